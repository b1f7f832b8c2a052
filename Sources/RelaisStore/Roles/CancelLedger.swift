import RelaisCore

/// Cancels (SPEC §14): the rules checked and the intent recorded before any carrier call,
/// the outcome applied after it, and the intents whose outcome is unknown asked again.
///
/// A role of its own, answered by SQLite and by PostgreSQL (several nodes: a cancel locks its
/// shipment, a pending one is asked again by one node at a time).
///
/// - Important: A booked shipment's cancel is durable (`cancel_requests`) before the
///   carrier is called: a crash mid-call leaves it pending, asked again at the next start,
///   and a shipment with a cancel pending is never put on a manifest.
public protocol CancelLedger: Sendable {
    /// Applies the rules of §14 to `id` in one transaction: a `queued`, `deferred` or `held`
    /// shipment is cancelled (logged, `shipment.cancelled` in the outbox); a `booked` one
    /// not on a closed manifest, not moving by its tracking and without a cancel pending
    /// gets a cancel intent and comes back as a job for its carrier.
    /// - Throws: ``StoreError`` not found, or refused with the reason.
    func beginCancel(_ id: String, actor: Actor, now: Instant) async throws -> CancelStart
    /// Applies what the carrier answered: cancelled (logged, `shipment.cancelled` in the
    /// outbox), refused, not cancelled (the intent dropped, or kept for a retry), unknown
    /// (kept pending, asked again at `retryAt`).
    func finishCancel(_ job: CancelJob, result: CancelCallResult, actor: Actor, now: Instant, retryAt: Instant) async throws
        -> CancelEnd
    /// Pending cancels due at `now`, oldest first; each is not due again before `lease`
    /// has passed (its call's deadline), so that two passes never call for one at once.
    func claimPendingCancels(now: Instant, lease: Duration, limit: Int) async throws -> [CancelJob]
    /// At start-up: every cancel intent is due now (a crash may have cut its call short).
    func recoverInterruptedCancels(now: Instant) async throws -> Int
}
