import Foundation
import RelaisTesting
import Logging
import RelaisAggregation
import RelaisCommands
import RelaisConfig
import RelaisControl
import RelaisCore
import RelaisRecords
import RelaisStore
import ServiceLifecycle
import Synchronization

/// A control server on a real Unix socket in a fresh directory, over a real store, with
/// the repository's panel and a copy of its policies (so a test may break one).
final class ControlRig: Sendable {
    static let repository = Repository.root

    let root: URL
    let configFile: String
    let store: RecordStore
    let state: DaemonState
    /// The breakers the fake booking side reports.
    let breakers = Breakers()
    /// What the scripted carrier answers to a cancel.
    let cancelScript = CancelScript()

    final class CancelScript: Sendable {
        private let answer = Mutex<CancelCallResult>(.cancelled)
        var next: CancelCallResult {
            get { answer.withLock { $0 } }
            set { answer.withLock { $0 = newValue } }
        }
    }

    final class Breakers: Sendable {
        private let states = Mutex<[String: CircuitBreaker.State]>([:])
        func withLock<T>(_ body: (inout [String: CircuitBreaker.State]) -> T) -> T { states.withLock { body(&$0) } }
    }
    var socket: String { root.appendingPathComponent("relais.sock").path }
    var policies: URL { root.appendingPathComponent("policies") }

    /// - Parameter extraConfig: TOML appended to the rig's relais.toml.
    /// - Parameter cancels: false plays a store without cancels (PostgreSQL, for now).
    init(extraConfig: String = "", cancels: Bool = true) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("relais-control-\(UUID().uuidString.prefix(8))")
        // Traversable by every user, so the permission test can connect as nobody.
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("policies"), to: root.appendingPathComponent("policies"))
        configFile = root.appendingPathComponent("relais.toml").path
        let text = Repository.rigConfiguration(root: root) + "\n" + extraConfig
        try Data(text.utf8).write(to: URL(fileURLWithPath: configFile))
        let configuration = try ConfigurationSet.load(configFile: configFile)
        store = try RecordStore(path: root.appendingPathComponent("state/relais.sqlite").path)
        let breakers = self.breakers
        let configFile = self.configFile
        let cancelScript = self.cancelScript
        state = DaemonState(
            store: store, configuration: configuration, version: "test",
            permission: WritePermission(operatorGroup: "relais-test-operators"),
            metrics: ControlMetrics(registry: .init()),
            clock: { Int64(Date().timeIntervalSince1970 * 1000) },
            carriers: { DaemonState.CarrierView(breakers: breakers.withLock { $0 }) },
            reload: { state, _ in
                do {
                    state.install(try ConfigurationSet.load(configFile: configFile))
                    return .init(applied: true)
                } catch {
                    return .init(applied: false, problems: (error as? ConfigError)?.diagnostics.map(\.description) ?? ["\(error)"])
                }
            },
            cancel: cancels ? Self.scriptedCancel(store: store, script: cancelScript) : nil,
            closeManifest: cancels ? Self.closeManifest(store: store) : nil)
        for carrier in configuration.panel.carriers { self.breakers.withLock { $0[carrier.carrier.id] = .closed(consecutiveFailures: 0) } }
    }

    /// The store's cancel rules with a carrier whose answer the test scripts.
    static func scriptedCancel(store: RecordStore, script: CancelScript) -> @Sendable (String, Actor) async throws -> CancelEnd {
        { id, actor in
            let now = Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
            switch try await store.beginCancel(id, actor: actor, now: now) {
            case .cancelled: return .cancelled
            case .callCarrier(let job):
                return try await store.finishCancel(
                    job, result: script.next, actor: actor, now: now, retryAt: now + .seconds(60))
            }
        }
    }

    /// Closes a manifest for today in the store (the CSV named, not written): the routes' part.
    static func closeManifest(store: RecordStore) -> @Sendable (String, String) async throws -> ManifestRecord {
        { carrier, site in
            let now = Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
            let today = LocalTime(instant: now.secondsSinceEpoch, in: TimeZone(identifier: "Europe/Paris")!).date
            let record = try await store.beginManifest(carrier: carrier, site: site, pickupDate: today, now: now)
            return try await store.finishManifest(record.id, csvPath: "/tmp/\(record.id).csv", documentPath: nil, carrierReference: nil, now: now)
        }
    }

    /// Runs `body` while the server listens; stops it afterwards.
    @discardableResult
    func serving<T: Sendable>(
        limits: ConnectionLimits = .default, _ body: @Sendable (ControlCommands, ControlClient) async throws -> T
    ) async throws -> T {
        try ControlServer.claimSocket(path: socket)
        let (ready, continuation) = AsyncStream.makeStream(of: Void.self)
        let server = ControlServer(socketPath: socket, state: state, logger: Logger(label: "test"), limits: limits) {
            continuation.yield()
        }
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ready.makeAsyncIterator()
            _ = await iterator.next()
            let client = ControlClient(socketPath: socket)
            do {
                let result = try await body(ControlCommands(client: client, json: false), client)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// Decides the pending orders, as the daemon's intake loop does.
    func aggregate() async throws -> [String] {
        let running = state.running
        let stage = AggregationStage(store: store, engine: running.engine, sites: running.configuration.config.sites, windowSeconds: 0)
        return try await stage.runOnce(now: Int64(Date().timeIntervalSince1970 * 1000)).created
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = root.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    static func order(id: String, weight: Double = 1.2) -> String {
        """
        {"id": "\(id)", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00", "promised_by": "2026-11-27",
         "service_level": "standard", "delivery_mode": "home",
         "recipient": {"name": "Camille Martin", "street": ["12 rue de la Roquette"], "postcode": "75011", "city": "Paris",
                       "country": "FR", "lat": 48.853, "lon": 2.372},
         "parcels": [{"weight_kg": \(weight), "length_cm": 30, "width_cm": 20, "height_cm": 10}],
         "value": {"amount": "59.90", "currency": "EUR"}}
        """
    }
}
