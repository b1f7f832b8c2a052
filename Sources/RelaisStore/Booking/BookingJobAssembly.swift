import RelaisCore

/// What every engine reads for claimed shipments (their orders, creation times, decided
/// candidates, failed attempts), put together into ``BookingJob``s the same way, so that
/// failover behaves alike on SQLite and PostgreSQL.
public struct BookingJobAssembly: Sendable {
    /// Orders' canonical JSON per shipment, in order id order.
    public var bodies: [String: [String]] = [:]
    /// Creation times per shipment (milliseconds).
    public var created: [String: Int64] = [:]
    /// Returns among them (SPEC §14); the others are outbound.
    public var returns: Set<String> = []
    /// Eligible candidates per shipment, best first.
    public var candidates: [String: [BookingCandidate]] = [:]
    private var excluded: [String: Set<ServiceKey>] = [:]
    private var transient: [String: [ServiceKey: Int]] = [:]

    public init() {}

    /// One recorded attempt that failed: a permanent refusal or a failover rules the service
    /// out for this shipment; a transient failure counts towards `failover_after`.
    public mutating func addFailedAttempt(shipment: String, carrier: String, service: String, failureClass: String?, outcome: String?) {
        let key = ServiceKey(carrier: carrier, service: service)
        if failureClass == FailureClass.permanent.rawValue || outcome == AttemptOutcome.failover.rawValue {
            excluded[shipment, default: []].insert(key)
        } else if failureClass == FailureClass.transient.rawValue {
            transient[shipment, default: [:]][key, default: 0] += 1
        }
    }

    /// The jobs, in claim order; a claimed shipment without a service (held) is left out.
    public func jobs(for claimed: [ClaimedShipment]) -> [BookingJob] {
        claimed.compactMap { claim in
            guard let carrier = claim.carrier, let service = claim.service else { return nil }
            let key = ServiceKey(carrier: carrier, service: service)
            var job = BookingJob(
                id: claim.id, site: claim.site, carrier: carrier, service: service, attempts: claim.attempts,
                createdAt: Instant(millisecondsSinceEpoch: created[claim.id] ?? Int64.max / 2), orderBodies: bodies[claim.id] ?? [],
                candidates: candidates[claim.id] ?? [], excluded: excluded[claim.id] ?? [],
                transientFailuresHere: transient[claim.id]?[key] ?? 0)
            if returns.contains(claim.id) { job.direction = .return }
            return job
        }
    }
}
