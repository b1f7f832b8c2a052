import Logging
import RelaisBooking
import RelaisControl
import RelaisCore
import RelaisPostgres
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
///
/// A transient PostgreSQL error that outlived the store's own retries (the database failing
/// over, a connection cut for longer than a call's deadline) pauses it the same way, with a
/// backoff of 1 s doubling to 30 s: logged, never the end of the daemon. Only configuration
/// and schema errors (``PostgresStore/isTransient(_:)``) stop it.
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
        var failures = 0
        while true {
            let started = ContinuousClock.now
            do {
                try await booking.run {
                    watchdog.beat(Self.name)
                    return Task.isShuttingDownGracefully
                }
                break
            } catch where StoreError.isStorageFull(error) {
                logger.critical("booking: paused, the state disk is full; retrying every second: \(error)")
                state.setAlert(Self.name, "paused: the state disk is full")
                guard let recovered = await recover(after: .seconds(1), when: { store.hasRoomToResume() }) else { break }
                state.setAlert(Self.name, nil)
                logger.notice(
                    "booking: resumed, the state disk has room again; \(recovered.count) shipments that were booking are now uncertain")
            } catch where PostgresStore.isTransient(error) && !Task.isShuttingDownGracefully && !Task.isCancelled {
                // A stage that ran a while before failing starts again from the shortest pause.
                failures = ContinuousClock.now - started > .seconds(60) ? 1 : failures + 1
                let pause = min(Duration.seconds(1 << min(failures - 1, 5)), .seconds(30))
                let described = PostgresStore.describe(error)
                logger.error("booking: paused, the store failed; starting again in \(pause): \(described)")
                state.setAlert(Self.name, "paused: the store failed: \(described)")
                guard let recovered = await recover(after: pause, when: { true }) else { break }
                state.setAlert(Self.name, nil)
                logger.notice("booking: resumed; \(recovered.count) shipments that were booking are now uncertain")
            }
        }
        watchdog.retire(Self.name)
    }

    /// Waits `pause`, then until `ready` (for a full disk: ``StorageSpace/hasRoomToResume()``,
    /// as a write that happens to fit in a free page proves little), then for the recovery to
    /// be stored, trying again every `pause`; nil when the daemon stops meanwhile.
    private func recover(after pause: Duration, when ready: () -> Bool) async -> [String]? {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var waited = Duration.zero
            while waited < pause && !Task.isShuttingDownGracefully && !Task.isCancelled {
                watchdog.beat(Self.name)
                let step = min(.seconds(1), pause - waited)
                try? await Task.sleep(for: step)
                waited += step
            }
            guard ready() else { continue }
            if let recovered = try? await store.recoverInterruptedBookings(now: clock.now()) { return recovered }
        }
        return nil
    }
}
