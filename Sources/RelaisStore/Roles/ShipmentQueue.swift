import RelaisCore

/// Shipments as a queue (Postfix's is the model): created with their decision, claimed by
/// the booking stage, their outcomes committed, uncertain ones reconciled, operators'
/// actions applied. Every state change goes through the lifecycle
/// (``ShipmentLifecycle/next(_:on:)``) and is logged in the same transaction.
///
/// - Important: Claims are stamped with the store's node and a lease. A node's recovery
///   (``recoverInterruptedBookings(now:)``) turns `uncertain` only the `booking` rows it
///   claimed itself, or whose lease expired: on a shared database, a live node's calls are
///   left alone. Nothing claimed is ever booked twice or forgotten.
public protocol ShipmentQueue: Sendable {
    /// The name this process stamps its claims with (SPEC §16 `node`).
    var node: String { get }
    /// How long a claim holds without renewal before another node's recovery may take it.
    var lease: Duration { get }
    /// Creates shipments with their decisions in one transaction; returns their ids. A
    /// decision that chose nothing holds the shipment, through the lifecycle's policy hold.
    func createShipments(_ shipments: [NewShipment], policy: Policy, actor: Actor, now: Int64) async throws -> [String]
    /// Claims due shipments (queued, or deferred and due) carrier by carrier: at most
    /// `limits[c]` for carrier `c`, and `othersLimit` in all for carriers not named.
    func claim(limits: [String: Int], othersLimit: Int, now: Instant) async throws -> [ClaimedShipment]
    /// What the booking stage needs to call the carrier for each claimed shipment.
    func bookingJobs(for claimed: [ClaimedShipment]) async throws -> [BookingJob]
    /// Extends the lease of every shipment this node holds in `booking`.
    func renewClaims(now: Instant) async throws
    /// Applies booking outcomes (and records breaker openings) in one transaction.
    /// - Important: Call only after the label files of booked outcomes are durable.
    func commit(_ outcomes: [BookingOutcome], breakerOpenings: [BreakerOpening], now: Instant) async throws
    /// Uncertain shipments due for a lookup at `carriers`, oldest first.
    func uncertainDue(carriers: Set<String>, now: Instant, limit: Int) async throws -> [UncertainShipment]
    /// Records a lookup's answer: booked, not booked (back to the queue), or inconclusive
    /// (asked again at `retryAt`).
    func reconcile(_ shipment: UncertainShipment, result: LookupResult, now: Instant, retryAt: Instant) async throws
    /// Applies one lifecycle event (an operator's action) and logs it.
    /// - Throws: ``StoreError`` not found, or refused with the lifecycle's reason.
    @discardableResult
    func apply(_ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, nextAttemptAt: Int64?, detail: String)
        async throws -> ShipmentState
    /// At start-up: this node's `booking` rows (and any whose lease expired) become
    /// `uncertain`. - Returns: the shipments changed.
    func recoverInterruptedBookings(now: Instant) async throws -> [String]
}

extension ShipmentQueue {
    /// Applies an operator's action with no retry time.
    @discardableResult
    public func apply(_ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, detail: String = "") async throws
        -> ShipmentState
    {
        try await apply(event, to: id, actor: actor, now: now, nextAttemptAt: nil, detail: detail)
    }
}

extension ShipmentQueue {
    /// Creates shipments as the aggregation stage.
    public func createShipments(_ shipments: [NewShipment], policy: Policy, now: Int64) async throws -> [String] {
        try await createShipments(shipments, policy: policy, actor: .aggregation, now: now)
    }

    /// Commits booking outcomes with no breaker opening.
    public func commit(_ outcomes: [BookingOutcome], now: Instant) async throws {
        try await commit(outcomes, breakerOpenings: [], now: now)
    }
}
