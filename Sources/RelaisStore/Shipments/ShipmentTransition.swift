import RelaisCore

/// One lifecycle event applied to a stored shipment, as every engine applies it: the next
/// state from ``ShipmentLifecycle``, the refusal worded for the operator, and when the row
/// is next due (`next_attempt_at`).
public struct ShipmentTransition: Hashable, Sendable {
    public var current: ShipmentState
    public var next: ShipmentState
    /// Milliseconds: now for `queued`, the retry time for `deferred`, the next lookup for
    /// `uncertain`; nil otherwise.
    public var due: Int64?

    /// - Throws: ``StoreError`` refused, with the lifecycle's reason.
    public init(shipment id: String, from current: ShipmentState, on event: ShipmentEvent, now: Int64, nextAttemptAt: Int64?) throws {
        switch ShipmentLifecycle.next(current, on: event) {
        case .success(let state): next = state
        case .failure(let refusal): throw StoreError.refused("shipment \(id) is \(current.rawValue): \(refusal.reason)")
        }
        self.current = current
        due =
            switch next {
            case .queued: now
            case .deferred: nextAttemptAt ?? now
            // Uncertain rows keep next_attempt_at as their next lookup at the carrier.
            case .uncertain: nextAttemptAt
            default: nil
            }
    }
}

extension ShipmentTransition {
    /// The reason a shipment found in `booking` at start-up (or whose node's lease expired)
    /// shows once it is `uncertain`, in place of its previous attempt's, which no longer says
    /// why it is in doubt.
    public static let recoveredReason = "unknown-outcome: relaisd stopped while its carrier call was under way"
}
