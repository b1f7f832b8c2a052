import RelaisCore

/// An order validated by intake, ready to be recorded.
public struct IncomingOrder: Sendable {
    public var order: Order
    /// The order's JSON in canonical form: stored, and compared for idempotency.
    public var canonicalJSON: String
    public var consolidationKey: String

    public init(order: Order, canonicalJSON: String) {
        self.order = order
        self.canonicalJSON = canonicalJSON
        self.consolidationKey = Consolidation.consolidationKey(for: order)
    }
}

/// What recording one order did (SPEC §3, idempotency).
public enum OrderAcceptance: String, Codable, Hashable, Sendable {
    /// New, and now committed.
    case accepted
    /// The same id with the same content was already recorded: nothing changed.
    case duplicate
    /// The same id with different content: refused, the first version stays, and the
    /// conflict is in the event log.
    case conflict
}

/// An order as recorded, for `GET /v1/orders/{id}`.
public struct OrderRecord: Hashable, Sendable {
    public var id: String
    public var site: String
    public var shipmentID: String?
    /// `pending` until aggregation puts it in a shipment, then the shipment's state.
    public var state: String
    public var receivedAt: Int64
    public var canonicalJSON: String

    public init(
        id: String,
        site: String,
        shipmentID: String? = nil,
        state: String,
        receivedAt: Int64,
        canonicalJSON: String
    ) {
        self.id = id
        self.site = site
        self.shipmentID = shipmentID
        self.state = state
        self.receivedAt = receivedAt
        self.canonicalJSON = canonicalJSON
    }
}
