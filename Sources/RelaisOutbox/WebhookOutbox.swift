import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelaisConfig
import RelaisControlAPI
import RelaisRecords
import RelaisStore
import RelaisWebhooks

/// One `[[webhook]]`: each event POSTed as Standard Webhooks say (SPEC §12), signed with
/// every secret of its credentials file.
///
/// - Important: The client is the outbox's own, never the carriers': a slow or dead OMS
///   holds its own connections, not a carrier's, and cannot slow booking. No redirects are
///   followed (the signed body would go where the configuration does not say), a deadline is
///   on every attempt (`timeout_s`), and the reply is read to at most 64 KiB then dropped.
public struct WebhookOutbox: OutboxTransport {
    public let settings: WebhookSettings
    let client: HTTPClient
    /// The most of a reply read before it is dropped.
    static let maxReplyBytes = 64 << 10

    public init(settings: WebhookSettings, client: HTTPClient) {
        self.settings = settings
        self.client = client
    }

    /// An HTTP client for webhooks only: at most `connectionsPerHost` connections per host.
    public static func makeClient(connectionsPerHost: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connectionsPerHost)))
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The request's headers and body for one attempt at `now` (milliseconds): what the
    /// receiver verifies.
    public func request(for delivery: OutboxDelivery, now: Int64) -> (headers: [(String, String)], body: [UInt8]) {
        var body = delivery.body
        if settings.includeLabel, let path = delivery.labelPath, let label = FileManager.default.contents(atPath: path) {
            let format = (path as NSString).pathExtension.lowercased()
            body = OutboxBody.withLabel(body, format: format.isEmpty ? "pdf" : format, base64: label.base64EncodedString())
        }
        let timestamp = now / 1000
        let signature = WebhookSignature.sign(
            id: delivery.eventID, timestamp: timestamp, body: body, keys: settings.secrets.map(\.key))
        return (
            [
                ("Content-Type", "application/json"), ("User-Agent", "relais"),
                (WebhookSignature.idHeader, delivery.eventID), (WebhookSignature.timestampHeader, String(timestamp)),
                (WebhookSignature.signatureHeader, signature),
            ], body
        )
    }

    public func deliver(_ delivery: OutboxDelivery, now: Int64) async -> DeliverySchedule.Outcome {
        let (headers, body) = request(for: delivery, now: now)
        var request = HTTPClientRequest(url: settings.url)
        request.method = .POST
        request.headers = HTTPHeaders(headers)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(settings.timeoutSeconds)))
            // Read (and drop) the reply so the connection can be reused; bounded.
            _ = try? await response.body.collect(upTo: Self.maxReplyBytes)
            let status = Int(response.status.code)
            switch status {
            case 200..<300: return .delivered
            case 410: return .gone("HTTP 410 Gone: the endpoint asked not to be called again")
            default: return .failed("HTTP \(status)")
            }
        } catch {
            return .failed(Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded: "no answer within the deadline"
        case let error as HTTPClientError where error == .readTimeout: "read timeout"
        case let error as HTTPClientError where error == .connectTimeout: "connect timeout"
        case let error as HTTPClientError where error == .remoteConnectionClosed: "connection closed by the endpoint"
        case let error as HTTPClientError where error == .cancelled: "cancelled"
        default: "\(error)"
        }
    }
}
