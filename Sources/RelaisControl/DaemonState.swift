import Foundation
import RelaisConfig
import RelaisCore
import RelaisStore
import Synchronization

/// What the control API reads and steers: the store, the configuration in force, the
/// carriers' breakers, and the reload.
///
/// The daemon builds one and shares it with its stages: the intake loop takes its decision
/// engine from ``running`` at each pass, so a reload swaps the configuration in one step.
public final class DaemonState: Sendable {
    /// The configuration in force, whole: a reload replaces it, never edits it.
    public struct Running: Sendable {
        public let configuration: ConfigurationSet
        public let engine: DecisionEngine
        /// Milliseconds since the Unix epoch.
        public let loadedAt: Int64
        /// Increases at each applied reload.
        public let generation: Int
    }

    /// The booking side, as status and metrics show it.
    public struct CarrierView: Sendable {
        public var breakers: [String: CircuitBreaker.State] = [:]
        public var openings: [String: Int] = [:]
        /// Carriers that cannot be booked at all, and why (credentials that cannot be read).
        public var unavailable: [String: String] = [:]

        public init(
            breakers: [String: CircuitBreaker.State] = [:], openings: [String: Int] = [:], unavailable: [String: String] = [:]
        ) {
            self.breakers = breakers
            self.openings = openings
            self.unavailable = unavailable
        }

        /// Carriers the decision should pass over: breaker open, or unavailable.
        public var closedToBookings: Set<String> {
            Set(breakers.compactMap { if case .open = $0.value { $0.key } else { nil } }).union(unavailable.keys)
        }
    }

    public let store: any DaemonStore
    /// The store's outbox, when its engine has one (SQLite; not yet PostgreSQL).
    public var outbox: (any OutboxLog)? { store as? any OutboxLog }
    /// The store's tracking, when its engine keeps it (SQLite; not yet PostgreSQL).
    public var tracking: (any TrackingLog)? { store as? any TrackingLog }
    public let version: String
    public let startedAt: Int64
    public let permission: WritePermission
    public let metrics: ControlMetrics
    /// Milliseconds since the Unix epoch.
    public let clock: @Sendable () -> Int64
    private let current: Mutex<Running>
    private let stageAlerts = Mutex<[String: String]>([:])
    private let carriersView: @Sendable () -> CarrierView
    private let reloader: @Sendable (DaemonState, Actor) async -> ReloadOutcome
    /// Cancels a shipment (SPEC §14): the store's rules, then its carrier; nil where the
    /// store has no ``CancelLedger``.
    public let canceller: (@Sendable (String, Actor) async throws -> CancelEnd)?
    /// Closes a carrier's manifest at a site now (SPEC §14); nil where the store has no
    /// ``ManifestLedger``.
    public let manifestCloser: (@Sendable (_ carrier: String, _ site: String) async throws -> ManifestRecord)?
    /// The store's manifests, when its engine keeps them (SQLite and PostgreSQL do).
    public var manifests: (any ManifestLedger)? { store as? any ManifestLedger }

    /// What a reload did.
    public struct ReloadOutcome: Sendable {
        public var applied: Bool
        public var problems: [String]
        public var needsRestart: [String]

        public init(applied: Bool, problems: [String] = [], needsRestart: [String] = []) {
            self.applied = applied
            self.problems = problems
            self.needsRestart = needsRestart
        }
    }

    public init(
        store: any DaemonStore, configuration: ConfigurationSet, version: String, permission: WritePermission,
        metrics: ControlMetrics, clock: @escaping @Sendable () -> Int64,
        carriers: @escaping @Sendable () -> CarrierView,
        reload: @escaping @Sendable (DaemonState, Actor) async -> ReloadOutcome,
        cancel: (@Sendable (String, Actor) async throws -> CancelEnd)? = nil,
        closeManifest: (@Sendable (String, String) async throws -> ManifestRecord)? = nil
    ) {
        self.canceller = cancel
        self.manifestCloser = closeManifest
        self.store = store
        self.version = version
        self.permission = permission
        self.metrics = metrics
        self.clock = clock
        self.startedAt = clock()
        self.carriersView = carriers
        self.reloader = reload
        self.current = Mutex(
            Running(
                configuration: configuration,
                engine: DecisionEngine(panel: configuration.panel.panel, policy: configuration.policy),
                loadedAt: startedAt, generation: 0))
    }

    public var running: Running { current.withLock { $0 } }

    /// Puts a new configuration in force.
    public func install(_ configuration: ConfigurationSet) {
        let now = clock()
        current.withLock { running in
            running = Running(
                configuration: configuration,
                engine: DecisionEngine(panel: configuration.panel.panel, policy: configuration.policy),
                loadedAt: now, generation: running.generation + 1)
        }
    }

    public var carriers: CarrierView { carriersView() }

    /// Says why a stage is paused (`nil` once it runs again): `/v1/status` shows it.
    public func setAlert(_ stage: String, _ text: String?) {
        stageAlerts.withLock { $0[stage] = text }
    }

    /// `stage: why`, by stage.
    public var alerts: [String] { stageAlerts.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" } } }

    /// Reloads carriers and policies, all or nothing (`POST /v1/reload`, SIGHUP).
    public func reload(by actor: Actor) async -> ReloadOutcome { await reloader(self, actor) }

    /// The one line systemd shows (`STATUS=`) and the demo prints.
    public func statusLine() async -> String {
        guard let counts = try? await store.queueCounts() else { return "records unreadable" }
        let states: [ShipmentState] = [.queued, .booking, .deferred, .held, .uncertain, .booked, .failed]
        let open = carriers.breakers.filter { if case .open = $0.value { true } else { false } }.keys.sorted()
        let backlog = (try? await outbox?.outboxBacklog()) ?? []
        let disabled = backlog.filter { $0.active && $0.disabledAt != nil }.count
        let outbox =
            backlog.contains(where: \.active)
            ? "; outbox pending \(backlog.reduce(0) { $0 + $1.pending }), dead \(backlog.reduce(0) { $0 + $1.dead })"
                + (disabled > 0 ? ", \(disabled) endpoint\(disabled == 1 ? "" : "s") disabled" : "") : ""
        return states.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", ")
            + (open.isEmpty ? "" : "; breaker open: \(open.joined(separator: ", "))") + outbox
    }
}
