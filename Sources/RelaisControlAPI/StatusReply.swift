import RelaisCore

/// `GET /v1/status` (SPEC §10). Scripts rely on `version`, `uptime_s`, `policy`, `queue` and
/// `carriers`; the rest is for people.
public struct StatusReply: Codable, Hashable, Sendable {
    public struct PolicyRef: Codable, Hashable, Sendable {
        public var name: String
        public var sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    public struct CarrierState: Codable, Hashable, Sendable {
        public var id: String
        /// `closed` | `open` | `half-open`, or `unavailable` when the carrier cannot be
        /// booked at all (its credentials cannot be read): ``reason`` says why.
        public var state: String
        public var reason: String?

        public init(id: String, state: String, reason: String? = nil) {
            self.id = id
            self.state = state
            self.reason = reason
        }
    }

    /// The `booking` shipments another node holds on a shared store (SPEC §16).
    public struct NodeLease: Codable, Hashable, Sendable {
        public var node: String
        public var shipments: Int
        /// When its latest lease runs out (ISO 8601, UTC); past it, any node takes them over.
        public var leaseUntil: String
        /// The lease has run out: the node stopped renewing (crashed, cut off).
        public var expired: Bool

        public init(node: String, shipments: Int, leaseUntil: String, expired: Bool) {
            self.node = node
            self.shipments = shipments
            self.leaseUntil = leaseUntil
            self.expired = expired
        }

        enum CodingKeys: String, CodingKey {
            case node, shipments, leaseUntil = "lease_until", expired
        }
    }

    public var version: String
    /// The name this daemon stamps its claims with (SPEC §16 `node`).
    public var node: String?
    /// The other nodes holding shipments on a shared store (PostgreSQL); absent on SQLite.
    public var otherNodes: [NodeLease]?
    public var uptimeSeconds: Int
    public var pid: Int32
    public var policy: PolicyRef
    /// Shipments per state; every state is present.
    public var queue: [String: Int]
    public var carriers: [CarrierState]
    /// Orders received but not yet in a shipment.
    public var pendingOrders: Int
    /// When the configuration in force was loaded (ISO 8601, UTC).
    public var configurationLoadedAt: String
    /// Why a stage is paused, when one is (`intake: paused: the state disk is full`);
    /// absent when all is well.
    public var alerts: [String]?
    /// The outbox's backlog per endpoint (SPEC §12); empty without `[outbox] spool` or webhooks.
    public var outbox: [OutboxEndpointReply]?
    /// Tracked shipments by tracking status (SPEC §13; `none` before the first event);
    /// absent where the store keeps no tracking.
    public var tracking: [String: Int]?

    public init(
        version: String, uptimeSeconds: Int, pid: Int32, policy: PolicyRef, queue: [String: Int], carriers: [CarrierState],
        pendingOrders: Int, configurationLoadedAt: String, alerts: [String]? = nil
    ) {
        self.alerts = alerts
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.pid = pid
        self.policy = policy
        self.queue = queue
        self.carriers = carriers
        self.pendingOrders = pendingOrders
        self.configurationLoadedAt = configurationLoadedAt
    }

    enum CodingKeys: String, CodingKey {
        case version, uptimeSeconds = "uptime_s", pid, policy, queue, carriers, pendingOrders = "pending_orders"
        case configurationLoadedAt = "configuration_loaded_at", alerts, outbox, node, otherNodes = "other_nodes", tracking
    }
}
