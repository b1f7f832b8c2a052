import Foundation
import Hummingbird
import RelaisControlAPI

/// A control API error: its HTTP status and the `{"error", "reason"}` body (SPEC §10).
public struct ControlError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let reply: ErrorReply
    /// Headers the reply carries besides its body (`Allow` on a 405).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ error: String, _ reason: String) {
        self.status = status
        self.reply = ErrorReply(error: error, reason: reason)
    }

    public static func notFound(_ reason: String) -> ControlError { ControlError(.notFound, "not-found", reason) }
    public static func badRequest(_ reason: String) -> ControlError { ControlError(.badRequest, "bad-request", reason) }
    public static func forbidden(_ reason: String) -> ControlError { ControlError(.forbidden, "forbidden", reason) }
    /// The lifecycle does not allow it now (`hold` on a booked shipment).
    public static func conflict(_ reason: String) -> ControlError { ControlError(.conflict, "refused", reason) }
    public static func tooLarge(_ reason: String) -> ControlError { ControlError(.contentTooLarge, "too-large", reason) }
    /// Not done, and nothing recorded: try again later (a carrier that did not answer).
    public static func unavailable(_ reason: String) -> ControlError { ControlError(.serviceUnavailable, "unavailable", reason) }
    /// The store in use does not do this (a store engine without the role, SPEC §16).
    public static func notOnThisStore(_ reason: String) -> ControlError { ControlError(.notImplemented, "not-on-this-store", reason) }
    public static func `internal`(_ reason: String) -> ControlError { ControlError(.internalServerError, "internal", reason) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(reply, status: status, headers: headers)
    }
}

extension ErrorReply {
    static let noCredentials = ErrorReply(error: "forbidden", reason: "the peer's credentials cannot be read")
}

/// JSON bodies with the API's conventions: keys in declaration order, no escaped slashes.
enum JSONResponse {
    static func make<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A reply that writes its own JSON (``JSONText``): what the encoder writes, keys sorted.
    static func make(_ value: some JSONWritable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var json = JSONText()
        try value.write(to: &json)
        var fields = headers
        fields[.contentType] = "application/json"
        var buffer = ByteBuffer(bytes: json.bytes)
        buffer.writeInteger(UInt8(0x0A))
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}
