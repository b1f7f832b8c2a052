import Foundation
import Hummingbird
import Logging
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// Lets a write (any method but GET and HEAD) through only for a permitted peer, read
/// from the connection with `SO_PEERCRED`; others get 403 with the reason.
///
/// Every refused write (403 here, or a handler's 4xx: a 409 for a transition the lifecycle
/// does not allow, an unknown shipment) is audited with the peer's uid, in the event log
/// (`api.refused`) and the journal, as the writes that succeed are.
struct WriteAccessMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let state: DaemonState

    var permission: WritePermission { state.permission }

    func handle(
        _ request: Request, context: ControlRequestContext,
        next: (Request, ControlRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get && request.method != .head else { return try await next(request, context) }
        let peer: PeerCredentials
        do {
            peer = try await PeerCredentials.of(context.channel)
        } catch {
            throw ControlError.forbidden("the peer's credentials cannot be read (\(error))")
        }
        guard permission.allows(peer) else {
            let error = ControlError.forbidden(
                "uid \(peer.uid) may read but not write: writes are for root, the daemon's user and members of group '\(permission.operatorGroup)'")
            await audit(request, peer: peer, refusal: error, logger: context.logger)
            throw error
        }
        var context = context
        context.peer = peer
        do {
            return try await next(request, context)
        } catch let error as ControlError where (400..<500).contains(error.status.code) {
            await audit(request, peer: peer, refusal: error, logger: context.logger)
            throw error
        }
    }

    /// Records a refused write. The refusal is answered even if it cannot be recorded (a
    /// full disk): that failure is logged instead.
    private func audit(_ request: Request, peer: PeerCredentials, refusal: ControlError, logger: Logger) async {
        let path = request.uri.path
        let detail = "\(request.method) \(path) refused (\(refusal.status.code)): \(refusal.reply.reason)"
        // `/v1/shipments/{id}/hold` and the other actions: the shipment's own log shows it too.
        let segments = path.split(separator: "/")
        let shipment = segments.count == 4 && segments[1] == "shipments" ? segments[2].removingPercentEncoding : nil
        logger.notice("control: write refused: \(detail)", metadata: ["relais.uid": "\(peer.uid)", "relais.path": "\(path)"])
        do {
            try await state.store.audit(
                kind: .writeRefused, actor: Actor("control", uid: peer.uid), shipment: shipment, detail: detail, now: state.clock())
        } catch {
            logger.error("control: the refused write could not be recorded in the event log: \(error)")
        }
    }
}
