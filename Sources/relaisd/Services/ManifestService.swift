import Logging
import RelaisBooking
import RelaisCore
import ServiceLifecycle

/// End-of-day manifests (SPEC §14): every `every`, manifests left `closing` (a crash, a
/// carrier that did not answer) are finished, then each carrier × site whose day's close
/// time has come (site time) is closed. Only on a store with a ``ManifestLedger``.
struct ManifestService: Service {
    static let name = "manifests"
    let closer: ManifestCloser
    let every: Duration
    let logger: Logger

    func run() async throws {
        while true {
            do {
                let (closed, unfinished) = try await closer.pass()
                for record in closed {
                    logger.notice(
                        "manifest \(record.id) closed: \(record.lines.count) shipments for \(record.pickupDate)\(record.carrierReference.map { ", carrier number \($0)" } ?? "")",
                        metadata: ["relais.carrier": "\(record.carrier)"])
                }
                for problem in unfinished { logger.warning("\(problem)") }
            } catch {
                logger.error("manifests: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
        }
    }
}
