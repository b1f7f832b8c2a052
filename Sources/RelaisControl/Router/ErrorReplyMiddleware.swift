import Foundation
import Hummingbird
import Logging
import NIOCore
import RelaisControlAPI
import RelaisCore
import RelaisStore
import Synchronization

/// Gives every 4xx and 5xx the API's `{"error", "reason"}` body (SPEC §10), whoever
/// produced it: a handler's ``ControlError``, Hummingbird's own errors (no route, a body
/// over the limit), a method the path does not take (405 with `Allow`), or an unexpected
/// error (500, logged with its detail; the reply does not quote it). A full state disk is
/// 503 with `Retry-After`: nothing was stored, and the same request will work later.
///
/// Outermost on the router, so that it sees what every other middleware throws.
struct ErrorReplyMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let routes: RouteTable

    func handle(
        _ request: Request, context: ControlRequestContext,
        next: (Request, ControlRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            guard response.status.code >= 400, response.body.contentLength == 0 else { return response }
            // An error status without a body (none of ours, but any library's).
            return try reply(ControlError(response.status, Self.name(of: response.status), response.status.reasonPhrase), to: request)
        } catch let error as ControlError {
            return try reply(error, to: request)
        } catch let error as HTTPError where error.status == .notFound {
            return try reply(notFound(request), to: request)
        } catch is NIOTooManyBytesError {
            return try reply(ControlError.tooLarge("the body is over the size limit ([intake] max_file_bytes)"), to: request)
        } catch let error as any HTTPResponseError {
            let reason = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            return try reply(ControlError(error.status, Self.name(of: error.status), reason), to: request)
        } catch where StoreError.isStorageFull(error) {
            context.logger.critical(
                "control: \(request.method) \(request.uri.path) refused: the state disk is full: \(error)",
                metadata: ["relais.path": "\(request.uri.path)"])
            var unavailable = ControlError(
                .serviceUnavailable, "storage-full", "the state disk is full: nothing was stored; retry once space is freed")
            unavailable.headers = [.retryAfter: "30"]
            return try reply(unavailable, to: request)
        } catch {
            context.logger.error(
                "control: \(request.method) \(request.uri.path) failed: \(error)", metadata: ["relais.path": "\(request.uri.path)"])
            return try reply(ControlError.internal("the request failed inside relaisd; the journal has the detail"), to: request)
        }
    }

    /// 405 with `Allow` when the path exists for other methods, else 404.
    func notFound(_ request: Request) -> ControlError {
        let allowed = routes.methods(for: request.uri.path)
        guard !allowed.isEmpty else { return .notFound("no route \(request.uri.path)") }
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        var error = ControlError(.methodNotAllowed, "method-not-allowed", "\(request.uri.path) takes \(names), not \(request.method)")
        error.headers = [.allow: names]
        return error
    }

    private func reply(_ error: ControlError, to request: Request) throws -> Response {
        let response = try JSONResponse.make(error.reply, status: error.status, headers: error.headers)
        // HEAD: the same status and headers, no body (RFC 9110, 9.3.2).
        return request.method == .head ? response.createHeadResponse() : response
    }

    static func name(of status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad-request"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 408: "timeout"
        case 409: "refused"
        case 413: "too-large"
        case 503: "unavailable"
        case 500..<600: "internal"
        default: "error"
        }
    }
}

/// The router's routes, for `Allow`: filled once the routes are registered.
final class RouteTable: Sendable {
    private let entries = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    func install(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        entries.withLock { entries in
            entries = routes.map { ($0.path.split(separator: "/"), $0.method) }
        }
    }

    /// The methods `path` takes (HEAD wherever GET is), in a fixed order.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods = Set<String>()
        entries.withLock { entries in
            for entry in entries where entry.segments.count == segments.count {
                let matches = zip(entry.segments, segments).allSatisfy { pattern, segment in
                    pattern.hasPrefix("{") || pattern.hasPrefix(":") || pattern == segment
                }
                if matches { methods.insert(entry.method.rawValue) }
            }
        }
        if methods.contains("GET") { methods.insert("HEAD") }
        return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].filter(methods.contains).compactMap { HTTPRequest.Method($0) }
    }
}
