import RelaisCore

/// What the control API and `relaisctl` read: shipments, their decisions, attempts and
/// events, queue counts, allocations. Reads never block writers.
public protocol RecordReader: Sendable {
    func shipment(id: String) async throws -> ShipmentRecord?
    /// Newest first, filtered by state and carrier, at most `limit` (capped by the store).
    func shipments(state: ShipmentState?, carrier: String?, limit: Int) async throws -> [ShipmentRecord]
    func decision(shipment id: String) async throws -> Decision?
    func attempts(shipment id: String) async throws -> [AttemptRecord]
    func events(shipment id: String) async throws -> [EventRecord]
    func events(order id: String) async throws -> [EventRecord]
    /// Shipments per state, from counters: no scan, whatever the size.
    func queueCounts() async throws -> [ShipmentState: Int]
    /// Everything `GET /v1/status` and `/metrics` count: the queue, pending orders, and the
    /// outbox's backlog and tracking's counts where the store keeps them.
    func statusCounts() async throws -> StatusCounts
    /// Shipments given to each carrier at `site` between `from` and `until` (ms), counted
    /// from their decision: what allocation limits count (SPEC §6), across every node.
    func allocationCounts(site: String, from: Int64, until: Int64) async throws -> (total: Int, perCarrier: [String: Int])
    /// The same for several sites in one read, each over its own local day.
    func allocationCounts(sites: [String: (from: Int64, until: Int64)]) async throws
        -> [String: (total: Int, perCarrier: [String: Int])]
    func policyText(sha256: String) async throws -> String?
}


/// What `GET /v1/status` and `/metrics` read from the store.
public struct StatusCounts: Sendable {
    public var queue: [ShipmentState: Int]
    /// Orders accepted and not yet in a shipment.
    public var pendingOrders: Int
    /// Each outbox endpoint's backlog; nil when the store keeps no outbox.
    public var outbox: [OutboxEndpointBacklog]?
    /// Tracked shipments per status; nil when the store does not track.
    public var tracking: TrackingCounts?

    public init(
        queue: [ShipmentState: Int], pendingOrders: Int, outbox: [OutboxEndpointBacklog]? = nil, tracking: TrackingCounts? = nil
    ) {
        self.queue = queue
        self.pendingOrders = pendingOrders
        self.outbox = outbox
        self.tracking = tracking
    }
}
