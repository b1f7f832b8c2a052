import Foundation
import Hummingbird
import Logging
import RelaisConfig
import RelaisCore
import RelaisXML
import Synchronization

/// Every shipped carrier's API on loopback (SPEC §9), from the same carrier folders as the
/// daemon: requests are read with the carrier's own paths, replies rendered from the
/// carrier's sandbox templates, and every booking lands in a ``SandboxLedger``.
///
/// Carriers are served at `http://127.0.0.1:<port>/<carrier id><operation path>`, which is
/// what relais.toml's `[booking] sandbox_url` points the daemon at. Knobs per carrier
/// (``SandboxKnobs``) make it slow, flaky, down or confusing; `/_sandbox/ledger` and
/// `/_sandbox/knobs/<carrier>` expose both over HTTP for shell use.
public final class Sandbox: Sendable {
    let carriers: [String: SandboxCarrier]
    public let ledger = SandboxLedger()
    /// The shop's OMS, receiving relaisd's webhooks at `/_oms/hooks`.
    public let oms = OMSReceiver()
    private let state = Mutex(State())
    /// Request bodies over this are refused, as a carrier's front end would.
    let maxRequestBytes = 1 << 20

    struct State {
        var knobs: [String: SandboxKnobs] = [:]
        var tokens: Set<String> = []
        var baseURL = ""
        var requests: [String: Int] = [:]
        /// Added to the wall clock: tests and shells move parcels along their journeys.
        var clockOffsetMilliseconds: Int64 = 0
    }

    /// Loads every carrier folder of `carriersDirectory` that has a sandbox.toml and an [api].
    public init(carriersDirectory: String) throws(ConfigError) {
        let panel = try PanelLoader.load(directory: carriersDirectory)
        var carriers: [String: SandboxCarrier] = [:]
        for loaded in panel.carriers {
            guard let api = loaded.api else { continue }
            let display = "\((carriersDirectory as NSString).lastPathComponent)/\(loaded.carrier.id)"
            guard let definition = try SandboxDefinition.load(directory: loaded.directory, displayPath: display) else { continue }
            carriers[loaded.carrier.id] = SandboxCarrier(id: loaded.carrier.id, api: api, definition: definition)
        }
        self.carriers = carriers
    }

    /// The carriers served, by id.
    public var carrierIDs: [String] { carriers.keys.sorted() }

    func withState<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    public func setKnobs(_ knobs: SandboxKnobs, for carrier: String) {
        state.withLock { $0.knobs[carrier] = knobs }
    }

    /// Forgets every login token issued so far, as a carrier does when its sessions expire
    /// or its authentication service restarts: the next call with an old token is refused.
    public func forgetTokens() { state.withLock { $0.tokens.removeAll() } }

    public func knobs(for carrier: String) -> SandboxKnobs { state.withLock { $0.knobs[carrier] ?? SandboxKnobs() } }

    /// Moves the sandbox's clock forward: parcels advance along their journeys as if
    /// `duration` had passed (bookings made afterwards start from the moved clock).
    public func advanceClock(by duration: Duration) {
        state.withLock { $0.clockOffsetMilliseconds += duration.wholeMilliseconds }
    }

    /// The sandbox's now: the wall clock plus every advance.
    func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded()) + state.withLock { $0.clockOffsetMilliseconds }
    }

    /// Requests received per carrier (every operation), for tests of breakers and probes.
    public func requestCount(carrier: String) -> Int { state.withLock { $0.requests[carrier] ?? 0 } }

    /// Serves on `host:port` (port 0: any free port) until the task is cancelled.
    /// - Parameter onReady: called with the base URL once bound.
    public func run(host: String = "127.0.0.1", port: Int = 0, onReady: @escaping @Sendable (String) async -> Void = { _ in })
        async throws
    {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            var request = request
            let method = request.method.rawValue
            let path = request.uri.path
            let body: [UInt8]
            do {
                body = Array(buffer: try await request.collectBody(upTo: maxRequestBytes))
            } catch {
                return Self.response(SandboxResponse(status: 413, contentType: "text/plain", body: Array("request too large".utf8)))
            }
            if path == OMSReceiver.path, method == "POST" {
                return Self.response(await oms.receive(headers: request.headers, body: body))
            }
            if path == OMSReceiver.summaryPath, method == "GET" {
                return Self.response(oms.summary())
            }
            return Self.response(await handle(method: method, path: path, body: body))
        }
        let app = Application(
            responder: responder, configuration: .init(address: .hostname(host, port: port), serverName: "relais-sandbox"),
            onServerRunning: { [self] channel in
                let url = "http://\(host):\(channel.localAddress?.port ?? port)"
                state.withLock { $0.baseURL = url }
                await onReady(url)
            }, logger: Logger(label: "relais-sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        // No signal handling of its own: the process that hosts the sandbox (relaisd --demo, a
        // test) decides when it stops, by cancelling this task.
        try await app.runService(gracefulShutdownSignals: [])
    }

    static func response(_ reply: SandboxResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

/// A reply, independent of the HTTP server that carries it.
struct SandboxResponse: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]

    init(status: Int, contentType: String = "text/xml; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    init(status: Int, xml: String) { self.init(status: status, body: Array(xml.utf8)) }
}
