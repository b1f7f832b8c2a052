import Logging
import RelaisBooking
import RelaisCore
import RelaisStore
import ServiceLifecycle

/// Asks the carriers again, every `every`, for the cancels whose outcome was lost (a
/// timeout after sending, a crash mid-call): a cancel is never reported done before its
/// carrier says so (SPEC §14). Only on a store with a ``CancelLedger``.
struct CancelService: Service {
    static let name = "cancels"
    let canceller: ShipmentCanceller
    let every: Duration
    let logger: Logger

    func run() async throws {
        while true {
            do {
                for (shipment, end) in try await canceller.retryPending().sorted(by: { $0.key < $1.key }) {
                    let metadata: Logger.Metadata = ["relais.shipment": "\(shipment)"]
                    switch end {
                    case .cancelled: logger.notice("cancel of \(shipment) confirmed by its carrier", metadata: metadata)
                    case .refused(let reason): logger.error("cancel of \(shipment) refused: \(reason)", metadata: metadata)
                    case .pending(let reason), .unavailable(let reason):
                        logger.warning("cancel of \(shipment) still pending: \(reason)", metadata: metadata)
                    }
                }
            } catch {
                logger.error("pending cancels: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
        }
    }
}
