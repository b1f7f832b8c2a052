import RelaisCore

/// A return (SPEC §14) to record: the shipment back from the customer of `orderID` to a
/// site, decided over return services.
public struct NewReturn: Sendable {
    /// The shop's id for the return (`RET-1`): a second request under it is refused.
    public var id: String
    public var orderID: String
    public var reason: String?
    /// The site the parcels go back to.
    public var site: String
    /// The parcels coming back, and their total weight.
    public var parcels: Int
    public var weightKg: Double
    /// Order-shaped canonical JSON (the customer's address, the parcels, the site): what
    /// booking reads, as it reads an order.
    public var body: String

    public init(id: String, orderID: String, reason: String?, site: String, parcels: Int, weightKg: Double, body: String) {
        self.id = id
        self.orderID = orderID
        self.reason = reason
        self.site = site
        self.parcels = parcels
        self.weightKg = weightKg
        self.body = body
    }
}

/// Returns (SPEC §14). A role of its own, answered by SQLite and by PostgreSQL (return
/// shipment ids from a sequence, never drawn twice across nodes).
public protocol ReturnDesk: Sendable {
    /// The order as recorded (its canonical JSON), if it exists.
    func recordedOrder(id: String) async throws -> String?
    /// Records the return shipment (`R-…`, `queued`, or `held` when the decision chose
    /// nothing) with its decision, in one transaction.
    /// - Throws: ``StoreError`` not found (unknown order), refused (an order never shipped,
    ///   more parcels back than the order sent, counting earlier returns; a return id used
    ///   before).
    func createReturn(_ request: NewReturn, decision: Decision, policy: Policy, actor: Actor, now: Int64) async throws -> String
}
