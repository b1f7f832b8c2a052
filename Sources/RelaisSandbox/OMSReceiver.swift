import Foundation
import Hummingbird
import RelaisWebhooks
import Synchronization

/// relais-sandbox playing the shop's OMS (SPEC §12): it receives webhooks at
/// `POST /_oms/hooks`, verifies their Standard Webhooks signature as a shop must (401 when it
/// does not verify, or when the timestamp is more than five minutes off), de-duplicates by
/// `webhook-id`, and answers as scripted: a status after a delay, so that tests and the
/// demo see failures, timeouts, `410 Gone` and slow receivers.
public final class OMSReceiver: Sendable {
    public static let path = "/_oms/hooks"
    /// `GET` here: how many webhooks arrived, were verified and acted on (for the demo).
    public static let summaryPath = "/_oms/received"

    /// How the receiver answers one request.
    public struct Reply: Hashable, Sendable {
        public var status: Int
        public var delay: Duration

        public init(status: Int = 204, delay: Duration = .zero) {
            self.status = status
            self.delay = delay
        }
    }

    /// A webhook as it arrived.
    public struct Received: Hashable, Sendable {
        public var id: String
        public var timestamp: Int64
        public var signature: String
        public var body: [UInt8]
        public var verified: Bool
        /// The status answered.
        public var status: Int
        /// True when acknowledged (2xx) for the first time: false for a `webhook-id` acted on
        /// before (a retry after a lost reply, or a replay), and for failures.
        public var firstTime: Bool
    }

    struct State {
        var keys: [[UInt8]] = []
        var script: [Reply] = []
        var standing = Reply()
        var received: [Received] = []
        var seen: Set<String> = []
    }

    private let state = Mutex(State())
    /// Unix seconds, for the timestamp tolerance.
    let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.clock = clock
    }

    /// The secrets it verifies with (`whsec_…`); invalid ones are ignored.
    public func setSecrets(_ secrets: [String]) {
        let keys = secrets.compactMap(WebhookSignature.key(secret:))
        state.withLock { $0.keys = keys }
    }

    /// The next requests' replies, in order; then `standing`.
    public func script(_ replies: [Reply], then standing: Reply = Reply()) {
        state.withLock {
            $0.script = replies
            $0.standing = standing
        }
    }

    public var received: [Received] { state.withLock { $0.received } }

    /// Webhooks whose signature verified, first deliveries only: what the shop acted on.
    public var accepted: Int { state.withLock { $0.received.count { $0.firstTime } } }

    /// `{"received": n, "verified": n, "accepted": n}` as JSON: what a newcomer running the
    /// demo can ask the OMS (the sandbox runs in a process of its own).
    func summary() -> SandboxResponse {
        let (received, verified, accepted) = state.withLock { state in
            (state.received.count, state.received.count { $0.verified }, state.received.count { $0.firstTime })
        }
        let body = "{\"received\": \(received), \"verified\": \(verified), \"accepted\": \(accepted)}\n"
        return SandboxResponse(status: 200, contentType: "application/json", body: Array(body.utf8))
    }

    func receive(headers: HTTPFields, body: [UInt8]) async -> SandboxResponse {
        func header(_ name: String) -> String? { headers.first { $0.name.canonicalName == name }?.value }
        let id = header(WebhookSignature.idHeader) ?? ""
        let timestamp = Int64(header(WebhookSignature.timestampHeader) ?? "") ?? 0
        let signature = header(WebhookSignature.signatureHeader) ?? ""
        let now = clock()
        let (verified, reply, firstTime): (Bool, Reply, Bool) = state.withLock { state in
            let verified =
                !id.isEmpty && abs(now - timestamp) <= 300
                && WebhookSignature.verify(id: id, timestamp: timestamp, body: body, header: signature, keys: state.keys)
            guard verified else { return (false, Reply(status: 401), false) }
            let reply = state.script.isEmpty ? state.standing : state.script.removeFirst()
            // Idempotency by webhook-id, as a shop does it: acted on once, acknowledged always.
            let firstTime = (200..<300).contains(reply.status) && state.seen.insert(id).inserted
            return (true, reply, firstTime)
        }
        if reply.delay > .zero { try? await Task.sleep(for: reply.delay) }
        state.withLock {
            $0.received.append(
                Received(
                    id: id, timestamp: timestamp, signature: signature, body: body, verified: verified, status: reply.status,
                    firstTime: firstTime))
        }
        return SandboxResponse(
            status: reply.status, contentType: "text/plain; charset=utf-8",
            body: Array((verified ? "" : "signature does not verify").utf8))
    }
}
