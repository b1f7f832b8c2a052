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
    /// Queue counts and pending orders in one read (what `GET /v1/status` shows).
    func statusCounts() async throws -> (queue: [ShipmentState: Int], pendingOrders: Int)
    /// Shipments given to each carrier at `site` between `from` and `until` (ms), counted
    /// from their decision: what allocation limits count (SPEC §6), across every node.
    func allocationCounts(site: String, from: Int64, until: Int64) async throws -> (total: Int, perCarrier: [String: Int])
    /// The same for several sites in one read, each over its own local day.
    func allocationCounts(sites: [String: (from: Int64, until: Int64)]) async throws
        -> [String: (total: Int, perCarrier: [String: Int])]
    func policyText(sha256: String) async throws -> String?
}


/// What `GET /v1/status` and `/metrics` read from the store, taken in one read.
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

/// A store that reads ``StatusCounts`` on the caller's own thread, without suspending.
///
/// The control socket's thread reads status through it (SPEC §11: ≤ 5 ms p99 while booking
/// at full rate). An `await` on the store resumed the request on another thread and back:
/// with booking keeping both cores busy, each hop waited for the scheduler, 2 ms at the
/// median and 12 ms at p99. SQLite's readers do not wait for its writer (WAL), so a read
/// on the caller's thread costs the read alone.
public protocol ImmediateStatusReader: Sendable {
    /// Blocks the calling thread for one read: never call it from Swift's cooperative pool.
    func statusCountsNow() throws -> StatusCounts
}
