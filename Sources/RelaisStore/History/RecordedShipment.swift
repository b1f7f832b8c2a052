import RelaisCore

/// A shipment as recorded, with what a replay needs: its orders as accepted, and what its
/// recorded decision chose, with that candidate's figures.
public struct RecordedShipment: Sendable {
    public var seq: Int64
    public var id: String
    public var site: String
    /// When it was created and decided, ms since the Unix epoch.
    public var createdAt: Int64
    public var state: ShipmentState
    public var currency: String?
    /// What its decision chose (before any failover: a failover is the carrier's doing, not
    /// the policy's); nil when the decision held it.
    public var recorded: RecordedChoice?
    /// The policy its recorded decision was made under; nil when it has no decision.
    public var policyName: String?
    public var policySHA256: String?
    /// Canonical JSON of its orders, in id order.
    public var orderBodies: [String]

    public init(
        seq: Int64, id: String, site: String, createdAt: Int64, state: ShipmentState, currency: String?, recorded: RecordedChoice?,
        policyName: String?, policySHA256: String?, orderBodies: [String]
    ) {
        self.seq = seq
        self.id = id
        self.site = site
        self.createdAt = createdAt
        self.state = state
        self.currency = currency
        self.recorded = recorded
        self.policyName = policyName
        self.policySHA256 = policySHA256
        self.orderBodies = orderBodies
    }
}
