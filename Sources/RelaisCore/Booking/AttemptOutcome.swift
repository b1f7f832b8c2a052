/// What one booking attempt came to, as the attempts table, `/metrics`
/// (`relais_bookings_total{outcome}`) and the carrier report name it.
public enum AttemptOutcome: String, Hashable, Sendable, CaseIterable {
    case booked
    /// A transient failure: tried again later.
    case deferred
    /// Not called (the breaker was open, the daemon stopping): back to the queue, no attempt row.
    case postponed
    /// Moved to the next candidate: the first is known not to have booked.
    case failover
    case uncertain
    case failed
}
