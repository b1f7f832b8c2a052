import RelaisBooking
import RelaisSystemd
import ServiceLifecycle

/// The booking stage as a service: a graceful stop stops claiming and drains the calls
/// under way; each turn of its loop feeds the watchdog.
struct BookingService: Service {
    static let name = "booking"
    let booking: BookingStage
    let watchdog: Watchdog

    func run() async throws {
        let watchdog = self.watchdog
        try await booking.run {
            watchdog.beat(Self.name)
            return Task.isShuttingDownGracefully
        }
        watchdog.retire(Self.name)
    }
}
