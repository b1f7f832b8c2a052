import Logging
import RelaisCore
import RelaisStore
import RelaisSystemd
import RelaisTracking
import ServiceLifecycle

/// The tracking stage as a service (SPEC §13): a pass, then a pause — none after a full
/// batch, short after other work, a few seconds when nothing was due. A graceful stop lets the pass
/// under way finish (its calls have deadlines) and record its results; each turn feeds the
/// watchdog.
///
/// A failed pass (the store refused a write) is logged and tried again: tracking never
/// ends the daemon, and a pass repeated adds nothing twice.
struct TrackingService: Service {
    static let name = "tracking"
    let tracking: TrackingStage
    let watchdog: Watchdog
    let logger: Logger
    /// The pause after a pass that found nothing more to do.
    var idle: Duration = .seconds(5)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            watchdog.beat(Self.name)
            var pause = idle
            do {
                let report = try await tracking.pass()
                for change in report.changes {
                    logger.info(
                        "tracking: \(change.shipmentID) \(change.from?.rawValue ?? "none") → \(change.to.rawValue) (\(change.event.code))",
                        metadata: ["relais.shipment": "\(change.shipmentID)"])
                }
                // A pass that found work may have left more due: go again soon, and at once
                // when a carrier had a whole batch due (a pause there capped one carrier at
                // batch / pause polls a second, BENCHMARKS.md); a gate that gave way to
                // booking is asked again a little later.
                if report.polled + report.skipped + report.failed > 0 { pause = .milliseconds(200) }
                if report.fullBatches > 0 { pause = .zero }
                if report.deferredByGate > 0 { pause = .milliseconds(500) }
            } catch {
                logger.error("tracking: pass failed, tried again shortly: \(error)")
            }
            let wait = pause
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
        watchdog.retire(Self.name)
    }
}
