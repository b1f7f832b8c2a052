import Foundation
import Hummingbird
import Logging
import NIOCore
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// The control API of SPEC §10, versioned under `/v1/`, plus `/metrics`.
///
/// Reads are open to whoever reaches the socket; writes pass ``WriteAccessMiddleware`` and
/// are audited with the peer's uid, in the event log and the journal.
public enum ControlRouter {
    public static func make(state: DaemonState) -> Router<ControlRequestContext> {
        // HEAD wherever GET is: the same status and headers, no body.
        let router = Router(context: ControlRequestContext.self, options: .autoGenerateHeadEndpoints)
        let routes = RouteTable()
        router.add(middleware: ErrorReplyMiddleware(routes: routes))
        router.add(middleware: WriteAccessMiddleware(state: state))
        let handlers = ControlHandlers(state: state)

        router.get("/v1/status") { _, _ in try await handlers.status() }
        router.get("/v1/carriers") { _, _ in try handlers.carriers() }
        router.get("/v1/orders/:id") { _, context in try await handlers.order(id: parameter("id", context)) }
        router.get("/v1/shipments") { request, _ in try await handlers.shipments(query: request.uri.queryParameters) }
        router.get("/v1/shipments/:id") { _, context in try await handlers.shipment(id: parameter("id", context)) }
        router.get("/v1/shipments/:id/tracking") { _, context in
            try await handlers.tracking(id: parameter("id", context))
        }
        router.get("/v1/shipments/:id/decision") { _, context in
            try await handlers.decision(id: parameter("id", context))
        }
        router.get("/v1/outbox") { request, _ in try await handlers.outbox(query: request.uri.queryParameters) }
        router.get("/v1/webhooks") { _, _ in try await handlers.webhooks() }
        router.get("/v1/manifests") { request, _ in try await handlers.manifests(query: request.uri.queryParameters) }
        router.get("/metrics") { _, _ in try await handlers.metrics() }

        router.post("/v1/orders") { request, context in
            try await handlers.submit(body: collect(request, context, limit: handlers.maxBodyBytes), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/quote") { request, context in
            try await handlers.quote(body: collect(request, context, limit: handlers.maxBodyBytes))
        }
        router.post("/v1/options") { request, context in
            try await handlers.options(body: collect(request, context, limit: handlers.maxBodyBytes))
        }
        // One route per action, not `/:action`: a capture there would also match
        // `/v1/shipments/{id}/tracking` and `/decision`, and their 405s would offer POST.
        for action in ControlHandlers.shipmentActions {
            router.post("/v1/shipments/:id/\(action)") { _, context in
                try await handlers.act(action, on: parameter("id", context), peer: context.peer!, logger: context.logger)
            }
        }
        router.post("/v1/outbox/:id/replay") { _, context in
            try await handlers.replay(eventID: context.parameters.require("id"), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/webhooks/:n/enable") { _, context in
            try await handlers.enableWebhook(context.parameters.require("n"), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/returns") { request, context in
            try await handlers.createReturn(
                body: collect(request, context, limit: handlers.maxBodyBytes), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/manifests/close") { request, context in
            try await handlers.closeManifest(
                body: collect(request, context, limit: handlers.maxBodyBytes), peer: context.peer!, logger: context.logger)
        }
        router.post("/v1/reload") { _, context in try await handlers.reload(peer: context.peer!, logger: context.logger) }
        routes.install(router.routes.map { (path: $0.path.description, method: $0.method) })
        return router
    }

    /// Every route the router serves, as `(method, path)` with parameters in OpenAPI's
    /// form (`("POST", "/v1/shipments/{id}/hold")`); HEAD, served wherever GET is, is
    /// not listed. docs/openapi.yaml documents exactly these (a test checks it).
    public static func routes(state: DaemonState) -> [(method: String, path: String)] {
        make(state: state).routes.map { (method: $0.method.rawValue, path: $0.path.description) }
    }

    /// A path parameter, percent-decoded (RFC 3986, 2.1): `/v1/orders/A%2D1` names `A-1`.
    static func parameter(_ name: String, _ context: ControlRequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = percentDecoded(raw) else {
            throw ControlError.badRequest("the \(name) '\(raw)' is not valid percent-encoded UTF-8")
        }
        return decoded
    }

    /// Strict: `%` must be followed by two hex digits and the bytes must be UTF-8
    /// (Foundation's `removingPercentEncoding` on Linux lets invalid UTF-8 through).
    static func percentDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func collect(_ request: Request, _ context: ControlRequestContext, limit: Int) async throws -> Data {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ControlError.tooLarge("the body is over \(limit) bytes ([intake] max_file_bytes)")
        } catch is NIOTooManyBytesError {
            throw ControlError.tooLarge("the body is over \(limit) bytes ([intake] max_file_bytes)")
        }
    }
}
