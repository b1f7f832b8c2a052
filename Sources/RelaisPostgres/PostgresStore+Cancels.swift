import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

/// Cancels (SPEC §14) on PostgreSQL: the rules of ``CancelRule`` over facts read with the
/// shipment's row locked, the intent in `cancel_requests` before any carrier call.
///
/// Several nodes: a cancel locks its shipment first (`FOR UPDATE`), so two nodes asked to
/// cancel one shipment at once are ordered, and the second finds the first's intent; a
/// pending cancel is claimed with `FOR UPDATE SKIP LOCKED` and its next attempt moved past
/// the call's lease in the same statement, so one node at a time asks the carrier.
extension PostgresStore: CancelLedger {
    public func beginCancel(_ id: String, actor: Actor, now: Instant) async throws -> CancelStart {
        let millis = now.millisecondsSinceEpoch
        // The first call's deadline: the retry passes leave the intent alone meanwhile.
        let callingUntil = (now + Self.cancelCallLease).millisecondsSinceEpoch
        return try await transaction("begin cancel") { connection, logger in
            guard
                let row = try await connection.query(
                    "SELECT state, carrier, tracking_number, manifest_id FROM shipments WHERE id = \(id) FOR UPDATE", logger: logger
                ).collect().first
            else { throw StoreError.notFound("shipment \(id)") }
            let (stateName, carrier, tracking, manifest) = try row.decode((String, String?, String?, String?).self)
            if let since = try await connection.query(
                "SELECT requested_at FROM cancel_requests WHERE shipment_id = \(id)", logger: logger
            ).collect().first?.decode(Int64.self) {
                throw StoreError.refused(
                    "shipment \(id): a cancel is already pending since \(Instant(millisecondsSinceEpoch: since)); it is asked again until the carrier answers")
            }
            let state = ShipmentState(rawValue: stateName) ?? .failed
            let status = try await connection.trackingStatus(shipment: id, logger: logger)
            switch CancelRule.verdict(state: state, manifest: manifest, trackingStatus: status) {
            case .refused(let reason):
                throw StoreError.refused("shipment \(id) cannot be cancelled: \(reason)")
            case .withoutCarrier:
                try await connection.applyEvent(.cancel, to: id, actor: actor, now: millis, detail: "cancelled before any carrier booked it", logger: logger)
                return .cancelled
            case .atCarrier:
                guard let carrier, let tracking else {
                    throw StoreError.refused("shipment \(id) is booked without a carrier or tracking number: nothing to cancel at a carrier")
                }
                let uid = actor.uid.map { Int64($0) }
                try await connection.query(
                    """
                    INSERT INTO cancel_requests (shipment_id, carrier, tracking_number, requested_at, actor, uid, state, next_attempt_at)
                    VALUES (\(id), \(carrier), \(tracking), \(millis), \(actor.name), \(uid), 'calling', \(callingUntil))
                    """, logger: logger)
                return .callCarrier(CancelJob(shipmentID: id, carrier: carrier, trackingNumber: tracking, attempts: 0, retrying: false))
            }
        }
    }

    public func finishCancel(_ job: CancelJob, result: CancelCallResult, actor: Actor, now: Instant, retryAt: Instant) async throws
        -> CancelEnd
    {
        let millis = now.millisecondsSinceEpoch
        let retryMillis = retryAt.millisecondsSinceEpoch
        let id = job.shipmentID
        return try await transaction("finish cancel") { connection, logger in
            func dropIntent() async throws {
                try await connection.query("DELETE FROM cancel_requests WHERE shipment_id = \(id)", logger: logger)
            }
            switch result {
            case .cancelled:
                try await dropIntent()
                try await connection.applyEvent(
                    .cancelledAtCarrier, to: id, actor: actor, now: millis, detail: "\(job.carrier) cancelled \(job.trackingNumber)",
                    logger: logger)
                return .cancelled
            case .refused(let reason):
                try await dropIntent()
                let detail = "\(job.carrier) refused to cancel \(job.trackingNumber): \(reason)"
                try await connection.recordEvent(
                    at: millis, kind: .cancelRefused, shipment: id, carrier: job.carrier, actor: actor, detail: detail, logger: logger)
                return .refused(detail)
            case .notCancelled(let reason) where !job.retrying:
                // Nothing happened at the carrier and the operator hears so now: no intent kept.
                try await dropIntent()
                return .unavailable("\(job.carrier) did not cancel \(job.trackingNumber): \(reason); try again later")
            case .notCancelled(let reason), .unknown(let reason):
                try await connection.query(
                    """
                    UPDATE cancel_requests SET state = 'pending', attempts = attempts + 1, next_attempt_at = \(retryMillis),
                        last_error = \(reason)
                    WHERE shipment_id = \(id)
                    """, logger: logger)
                try await connection.recordEvent(
                    at: millis, kind: .cancelPending, shipment: id, carrier: job.carrier, actor: actor,
                    detail: "\(job.carrier) has not confirmed the cancel of \(job.trackingNumber): \(reason); asked again at \(retryAt)",
                    logger: logger)
                return .pending("\(job.carrier) has not confirmed the cancel yet (\(reason)); it is asked again until it answers")
            }
        }
    }

    public func claimPendingCancels(now: Instant, lease: Duration, limit: Int) async throws -> [CancelJob] {
        let millis = now.millisecondsSinceEpoch
        let until = (now + lease).millisecondsSinceEpoch
        let limit = max(1, limit)
        return try await transaction("claim pending cancels") { connection, logger in
            var jobs: [CancelJob] = []
            for try await (id, carrier, tracking, attempts) in try await connection.query(
                """
                UPDATE cancel_requests SET next_attempt_at = \(until)
                WHERE shipment_id IN (
                    SELECT shipment_id FROM cancel_requests WHERE next_attempt_at <= \(millis)
                    ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING shipment_id, carrier, tracking_number, attempts
                """, logger: logger
            ).decode((String, String, String, Int).self) {
                jobs.append(CancelJob(shipmentID: id, carrier: carrier, trackingNumber: tracking, attempts: attempts, retrying: true))
            }
            return jobs
        }
    }

    /// At start-up: every intent whose call is under way is due now. With several nodes,
    /// another node's call under way is made due too: at worst the carrier is asked twice
    /// for one cancel, which a cancel allows (the second finds it cancelled or refuses).
    public func recoverInterruptedCancels(now: Instant) async throws -> Int {
        let millis = now.millisecondsSinceEpoch
        return try await transaction("recover interrupted cancels") { connection, logger in
            try await connection.query(
                "UPDATE cancel_requests SET state = 'pending', next_attempt_at = \(millis) WHERE next_attempt_at > \(millis)",
                logger: logger)
            return try await connection.query("SELECT COUNT(*) FROM cancel_requests", logger: logger).collect().first?.decode(Int.self) ?? 0
        }
    }

    /// How long the first cancel call of an intent holds it before a retry pass may take it
    /// (as the SQLite store).
    static let cancelCallLease: Duration = .seconds(120)
}

extension PostgresConnection {
    /// The shipment's normalised tracking status (SPEC §13, TrackingLog's `tracking` table),
    /// nil before its first event or when it is not tracked: ``CancelRule`` takes that as no
    /// evidence of movement.
    func trackingStatus(shipment id: String, logger: Logger) async throws -> String? {
        try await query("SELECT status FROM tracking WHERE shipment_id = \(id)", logger: logger).collect().first?
            .decode(String?.self)
    }
}
