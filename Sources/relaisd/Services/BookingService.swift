import Logging
import RelaisBooking
import RelaisControl
import RelaisCore
import RelaisStore
import RelaisSystemd
import ServiceLifecycle

/// The booking stage as a service: a graceful stop stops claiming and drains the calls
/// under way; each turn of its loop feeds the watchdog.
///
/// A full state disk pauses it instead of ending the daemon (issue 20): the stage stops as
/// it would on any store error, then, once the store takes writes again, the shipments it
/// left `booking` become `uncertain` (as at a restart: never booked twice, reconciled by
/// lookup) and it starts again. Meanwhile the watchdog is fed and `/v1/status` says why.
struct BookingService: Service {
    static let name = "booking"
    let booking: BookingStage
    let store: any DaemonStore
    let state: DaemonState
    let watchdog: Watchdog
    let logger: Logger
    let clock: any WallClock

    func run() async throws {
        let watchdog = self.watchdog
        while true {
            do {
                try await booking.run {
                    watchdog.beat(Self.name)
                    return Task.isShuttingDownGracefully
                }
                break
            } catch where StoreError.isStorageFull(error) {
                logger.critical("booking: paused, the state disk is full; retrying every second: \(error)")
                state.setAlert(Self.name, "paused: the state disk is full")
                guard let recovered = await recoverOnceWritable() else { break }
                state.setAlert(Self.name, nil)
                logger.notice(
                    "booking: resumed, the state disk has room again; \(recovered.count) shipments that were booking are now uncertain")
            }
        }
        watchdog.retire(Self.name)
    }

    /// Waits for room on the disk (``StorageSpace/hasRoomToResume()``: a write that happens to
    /// fit in a free page proves little), then for the recovery to be stored; nil when the
    /// daemon stops meanwhile.
    private func recoverOnceWritable() async -> [String]? {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            watchdog.beat(Self.name)
            try? await Task.sleep(for: .seconds(1))
            guard store.hasRoomToResume() else { continue }
            if let recovered = try? await store.recoverInterruptedBookings(now: clock.now()) { return recovered }
        }
        return nil
    }
}
