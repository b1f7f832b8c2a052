import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelaisCore
import Synchronization

/// An HTTP reply, read whole under a size limit.
public struct HTTPReply: Sendable {
    public var status: Int
    public var body: [UInt8]
}

/// The one HTTP client every carrier call goes through.
///
/// - Important: One shared `HTTPClient` for the process (persistent connections; on
///   loopback it sustained ~28k req/s at 64 in flight), a deadline on every request, no
///   redirects followed (a carrier that moves is a configuration change, not something to
///   follow blindly with credentials in the body), and a reply size limit enforced while
///   reading. Call `shutdown()` before the process exits.
public final class CarrierHTTP: Sendable {
    public let client: HTTPClient
    /// The event loop of each host's connections (``loop(for:)``).
    private let loops = Mutex<[String: any EventLoop]>([:])

    /// - Parameter connectionsPerHost: at least the sum of the carriers' `max_in_flight`
    ///   that may share one host (the sandbox serves them all on one port).
    public init(connectionsPerHost: Int = 64) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws { try await client.shutdown() }

    /// Sends one request and reads the reply, classing transport failures (SPEC §9): a
    /// failure before the request was fully sent is transient (the carrier cannot have acted
    /// on it); after, the outcome is unknown.
    public func send(
        method: String, url: String, headers: [(String, String)], body: [UInt8]?, timeoutSeconds: Double, maxReplyBytes: Int
    ) async -> Result<HTTPReply, CarrierFailure> {
        var httpHeaders = HTTPHeaders(headers)
        httpHeaders.replaceOrAdd(name: "User-Agent", value: "relais")
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(
                url: url, method: HTTPMethod(rawValue: method), headers: httpHeaders, body: body.map { .bytes($0) })
        } catch {
            return .failure(CarrierFailure(.permanent, "cannot build a request to \(url): \(error)", refusedBeforeSending: true))
        }
        let collector = ReplyCollector(limit: maxReplyBytes)
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeoutSeconds * 1e9))
        // The delegate on the connection's own event loop: with the default preference AHC
        // calls it on another loop, and a deadline firing there before the hop that reports
        // the request written made a request the carrier had booked read as "not sent", a
        // transient failure, sent again (a double booking seen once under heavy load).
        // The loop is the host's own (`loop(for:)`): every connection to the host is opened
        // on it, so the delegate runs on the connection's loop. Preferred, not required
        // (`.delegateAndChannel`): AHC serves a request that requires a loop on an "overflow"
        // connection, outside the pool's limit and closed as soon as it is idle, so every
        // booking opened a connection of its own.
        let task = client.execute(
            request: request, delegate: collector, eventLoop: .delegate(on: loop(for: request.host)), deadline: deadline)
        do {
            let reply = try await withTaskCancellationHandler {
                try await task.get()
            } onCancel: {
                task.cancel()
            }
            return .success(reply)
        } catch let error as ReplyTooLarge {
            return .failure(CarrierFailure(collector.wasSent ? .unknownOutcome : .transient, "\(error)"))
        } catch {
            let what = Self.describe(error)
            if collector.wasSent {
                return .failure(CarrierFailure(.unknownOutcome, "\(what) after the request was sent"))
            }
            return .failure(CarrierFailure(.transient, "\(what) before the request was sent"))
        }
    }

    /// The event loop of `host`'s connections, given on first use (round robin): AHC opens
    /// a pool's connections on the loop its requests prefer, so a host whose requests all
    /// prefer one loop has all its connections there.
    func loop(for host: String) -> any EventLoop {
        loops.withLock { loops in
            if let loop = loops[host] { return loop }
            let loop = client.eventLoopGroup.next()
            loops[host] = loop
            return loop
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded: "deadline exceeded"
        case let error as HTTPClientError where error == .readTimeout: "read timeout"
        case let error as HTTPClientError where error == .connectTimeout: "connect timeout"
        case let error as HTTPClientError where error == .remoteConnectionClosed: "connection closed by the carrier"
        case let error as HTTPClientError where error == .cancelled: "cancelled"
        default: "\(error)"
        }
    }
}

struct ReplyTooLarge: Error, CustomStringConvertible {
    var limit: Int
    var description: String { "reply larger than \(limit) bytes" }
}

/// Collects one reply and remembers whether the request went out whole.
///
/// AHC calls a delegate on the request's event loop, one call at a time; the mutex makes
/// the state safe to read from the awaiting task afterwards.
final class ReplyCollector: HTTPClientResponseDelegate {
    typealias Response = HTTPReply

    private struct State {
        var sent = false
        var status = 0
        var body: [UInt8] = []
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    var wasSent: Bool { state.withLock { $0.sent } }

    func didSendRequest(task: HTTPClient.Task<HTTPReply>) {
        state.withLock { $0.sent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<HTTPReply>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        // A reply may start before the request is fully written (an early error); the
        // carrier has then seen the request.
        state.withLock {
            $0.status = Int(head.status.code)
            $0.sent = true
        }
        if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            return task.eventLoop.makeFailedFuture(ReplyTooLarge(limit: limit))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<HTTPReply>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let tooLarge = state.withLock { state in
            guard state.body.count + buffer.readableBytes <= limit else { return true }
            state.body.append(contentsOf: buffer.readableBytesView)
            return false
        }
        return tooLarge ? task.eventLoop.makeFailedFuture(ReplyTooLarge(limit: limit)) : task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<HTTPReply>) throws -> HTTPReply {
        state.withLock { HTTPReply(status: $0.status, body: $0.body) }
    }
}
