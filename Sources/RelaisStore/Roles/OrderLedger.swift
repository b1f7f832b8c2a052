import RelaisCore

/// The orders Relais has accepted (SPEC §3): intake writes them, aggregation takes the
/// pending ones, the control API reads them.
///
/// - Important: Durability. When ``accept(_:source:actor:now:)`` returns, every order it
///   reports `accepted` is on disk: callers acknowledge (move the spool file to `done/`,
///   answer the API call) only then.
public protocol OrderLedger: Sendable {
    /// Records a batch of orders in one transaction; one outcome per order, in order. The
    /// same id with the same content is a duplicate; with other content, a conflict (the
    /// first version stays, the conflict is logged).
    func accept(_ orders: [IncomingOrder], source: String, actor: Actor, now: Int64) async throws -> [OrderAcceptance]
    func order(id: String) async throws -> OrderRecord?
    /// Orders accepted but not yet in a shipment, oldest ready first, at most `limit`.
    func pendingOrders(limit: Int) async throws -> [(pending: Consolidation.Pending, site: String, body: String)]
    func pendingOrderCount() async throws -> Int
}

extension OrderLedger {
    /// Records orders as intake.
    public func accept(_ orders: [IncomingOrder], source: String, now: Int64) async throws -> [OrderAcceptance] {
        try await accept(orders, source: source, actor: .intake, now: now)
    }

    /// Up to 10,000 pending orders.
    public func pendingOrders() async throws -> [(pending: Consolidation.Pending, site: String, body: String)] {
        try await pendingOrders(limit: 10_000)
    }
}
