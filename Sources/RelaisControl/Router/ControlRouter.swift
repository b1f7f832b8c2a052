import Foundation
import Hummingbird
import Logging
import RelaisControlAPI
import RelaisCore
import RelaisRecords

/// The control API of SPEC §10, versioned under `/v1/`, plus `/metrics`.
///
/// Reads are open to whoever reaches the socket; writes pass ``WriteAccessMiddleware`` and
/// are audited with the peer's uid, in the event log and the journal.
public enum ControlRouter {
    public static func make(state: DaemonState) -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: WriteAccessMiddleware(permission: state.permission))
        let handlers = ControlHandlers(state: state)

        router.get("/v1/status") { _, _ in try await handlers.status() }
        router.get("/v1/carriers") { _, _ in try handlers.carriers() }
        router.get("/v1/orders/:id") { _, context in try await handlers.order(id: context.parameters.require("id")) }
        router.get("/v1/shipments") { request, _ in try await handlers.shipments(query: request.uri.queryParameters) }
        router.get("/v1/shipments/:id") { _, context in try await handlers.shipment(id: context.parameters.require("id")) }
        router.get("/v1/shipments/:id/decision") { _, context in
            try await handlers.decision(id: context.parameters.require("id"))
        }
        router.get("/v1/outbox") { request, _ in try await handlers.outbox(query: request.uri.queryParameters) }
        router.get("/v1/webhooks") { _, _ in try await handlers.webhooks() }
        router.get("/metrics") { _, _ in try await handlers.metrics() }

        router.post("/v1/orders") { request, context in
            try await handlers.submit(body: collect(request, context, limit: handlers.maxBodyBytes), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/quote") { request, context in
            try await handlers.quote(body: collect(request, context, limit: handlers.maxBodyBytes))
        }
        router.post("/v1/shipments/:id/:action") { _, context in
            try await handlers.act(
                context.parameters.require("action"), on: context.parameters.require("id"), peer: context.peer!,
                logger: context.logger)
        }
        router.post("/v1/outbox/:id/replay") { _, context in
            try await handlers.replay(eventID: context.parameters.require("id"), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/webhooks/:n/enable") { _, context in
            try await handlers.enableWebhook(context.parameters.require("n"), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/reload") { _, context in try await handlers.reload(peer: context.peer!, logger: context.logger) }
        return router
    }

    static func collect(_ request: Request, _ context: ControlRequestContext, limit: Int) async throws -> Data {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ControlError.tooLarge("the body is over \(limit) bytes ([intake] max_file_bytes)")
        }
    }
}
