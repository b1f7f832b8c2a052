import Hummingbird
import Logging
import RelaisControlAPI

/// Lets a write (any method but GET and HEAD) through only for a permitted peer, read
/// from the connection with `SO_PEERCRED`; others get 403 with the reason.
struct WriteAccessMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let permission: WritePermission

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
            context.logger.notice(
                "control: write refused", metadata: ["relais.uid": "\(peer.uid)", "relais.path": "\(request.uri.path)"])
            throw ControlError.forbidden(
                "uid \(peer.uid) may read but not write: writes are for root, the daemon's user and members of group '\(permission.operatorGroup)'")
        }
        var context = context
        context.peer = peer
        return try await next(request, context)
    }
}
