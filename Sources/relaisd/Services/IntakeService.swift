import Logging
import RelaisAggregation
import RelaisControl
import RelaisIntake
import RelaisOrders
import RelaisStore
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
        var storageFull = false
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
                for file in report.quarantined {
                    if let storedAs = file.storedAs {
                        logger.error(
                            "intake: \(file.file) set aside as quarantine/\(storedAs): \(file.reason)",
                            metadata: ["relais.file": "\(file.file)"])
                    } else {
                        logger.critical(
                            "intake: \(file.file) can be neither moved nor quarantined, left in new/: \(file.reason)",
                            metadata: ["relais.file": "\(file.file)"])
                    }
                }
                // Unavailable carriers (unreadable credentials) are passed over like open breakers.
                let open = state.carriers.closedToBookings
                let aggregated = try await aggregation!.runOnce(now: Clock.millis(), openCircuits: open)
                if !aggregated.created.isEmpty { logger.info("aggregation: \(aggregated.created.count) shipments decided") }
                if aggregated.stuck.count != lastStuck, let first = aggregated.stuck.first {
                    logger.warning("aggregation: \(aggregated.stuck.count) orders wait: \(first.orderID): \(first.reason)")
                }
                lastStuck = aggregated.stuck.count
                // Resumed when there is room again, not when a pass had nothing to write.
                if storageFull, state.store.hasRoomToResume() {
                    storageFull = false
                    state.setAlert(Self.name, nil)
                    logger.notice("intake: resumed, the state disk has room again")
                }
                if report.files == 0 && aggregated.created.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
            } catch where StoreError.isStorageFull(error) {
                // Nothing is acknowledged that is not stored: files stay in new/ until then.
                if !storageFull {
                    logger.critical("intake: paused, the state disk is full; retrying every second: \(error)")
                }
                storageFull = true
                state.setAlert(Self.name, "paused: the state disk is full; files wait in new/")
                try? await Task.sleep(for: .seconds(1))
            } catch {
                logger.error("intake pass failed, retrying in 1 s: \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        watchdog.retire(Self.name)
    }
}
