import Logging
import RelaisAggregation
import RelaisControl
import RelaisIntake
import RelaisOrders
import RelaisSystemd
import ServiceLifecycle

/// Intake and aggregation (Postfix's `pickup` and `cleanup`): spool files into orders,
/// orders into decided shipments, until a graceful stop. A failed pass is logged and
/// retried: a full disk or a locked database must not end the daemon.
struct IntakeService: Service {
    static let name = "intake"
    let intake: SpoolIntake
    let state: DaemonState
    let watchdog: Watchdog
    let logger: Logger
    let beforeIntake: (@Sendable (_ spool: String) -> Void)?

    func run() async throws {
        var lastStuck = 0
        var generation = -1
        var aggregation: AggregationStage?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            watchdog.beat(Self.name)
            // The engine in force: a reload takes effect at the next pass.
            let running = state.running
            if running.generation != generation || aggregation == nil {
                generation = running.generation
                aggregation = AggregationStage(
                    store: state.store, engine: running.engine, sites: running.configuration.config.sites,
                    windowSeconds: Int64(running.configuration.config.intake.consolidationWindowSeconds))
            }
            do {
                beforeIntake?(intake.root)
                let report = try await intake.runOnce(now: Clock.millis())
                if report.files > 0 {
                    logger.info(
                        "intake: \(report.files) files, \(report.accepted) orders accepted, \(report.duplicates) duplicates, \(report.rejectedOrders) rejected")
                }
                let open = Set(state.carriers.breakers.compactMap { if case .open = $0.value { $0.key } else { nil } })
                let aggregated = try await aggregation!.runOnce(now: Clock.millis(), openCircuits: open)
                if !aggregated.created.isEmpty { logger.info("aggregation: \(aggregated.created.count) shipments decided") }
                if aggregated.stuck.count != lastStuck, let first = aggregated.stuck.first {
                    logger.warning("aggregation: \(aggregated.stuck.count) orders wait: \(first.orderID): \(first.reason)")
                }
                lastStuck = aggregated.stuck.count
                if report.files == 0 && aggregated.created.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
            } catch {
                logger.error("intake pass failed, retrying in 1 s: \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        watchdog.retire(Self.name)
    }
}
