import GRDB
import RelaisCore
import RelaisStore

/// Cancels (SPEC §14) on SQLite: the rules of ``CancelRule`` over facts read in the
/// transaction, the intent in `cancel_requests` before any carrier call.
extension RecordStore: CancelLedger {
    public func beginCancel(_ id: String, actor: Actor, now: Instant) async throws -> CancelStart {
        let millis = now.millisecondsSinceEpoch
        // The first call's deadline: the retry pass leaves the intent alone meanwhile.
        let callingUntil = (now + Self.cancelCallLease).millisecondsSinceEpoch
        return try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT state, carrier, tracking_number, manifest_id FROM shipments WHERE id = ?", arguments: [id])
            else { throw StoreError.notFound("shipment \(id)") }
            let state = ShipmentState(rawValue: row["state"]) ?? .failed
            if let since = try Int64.fetchOne(db, sql: "SELECT requested_at FROM cancel_requests WHERE shipment_id = ?", arguments: [id]) {
                throw StoreError.refused(
                    "shipment \(id): a cancel is already pending since \(Instant(millisecondsSinceEpoch: since)); it is asked again until the carrier answers")
            }
            // On a manifest, closed or being closed: the driver has it, or is about to.
            let closedManifest: String? = row["manifest_id"]
            let verdict = CancelRule.verdict(state: state, manifest: closedManifest, trackingStatus: try Self.trackingStatus(db, shipment: id))
            switch verdict {
            case .refused(let reason):
                // Thrown, so nothing of this transaction stays: the control API logs the refusal.
                throw StoreError.refused("shipment \(id) cannot be cancelled: \(reason)")
            case .withoutCarrier:
                try db.applyEvent(.cancel, to: id, actor: actor, now: millis, detail: "cancelled before any carrier booked it")
                return .cancelled
            case .atCarrier:
                guard let carrier: String = row["carrier"], let tracking: String = row["tracking_number"] else {
                    throw StoreError.refused("shipment \(id) is booked without a carrier or tracking number: nothing to cancel at a carrier")
                }
                try db.execute(
                    sql: """
                        INSERT INTO cancel_requests (shipment_id, carrier, tracking_number, requested_at, actor, uid, state, next_attempt_at)
                        VALUES (?, ?, ?, ?, ?, ?, 'calling', ?)
                        """,
                    arguments: [id, carrier, tracking, millis, actor.name, actor.uid.map { Int64($0) }, callingUntil])
                return .callCarrier(CancelJob(shipmentID: id, carrier: carrier, trackingNumber: tracking, attempts: 0, retrying: false))
            }
        }
    }

    public func finishCancel(_ job: CancelJob, result: CancelCallResult, actor: Actor, now: Instant, retryAt: Instant) async throws
        -> CancelEnd
    {
        let millis = now.millisecondsSinceEpoch
        let id = job.shipmentID
        return try await pool.write { db in
            func dropIntent() throws { try db.execute(sql: "DELETE FROM cancel_requests WHERE shipment_id = ?", arguments: [id]) }
            func keepPending(_ reason: String) throws {
                try db.execute(
                    sql: """
                        UPDATE cancel_requests SET state = 'pending', attempts = attempts + 1, next_attempt_at = ?, last_error = ?
                        WHERE shipment_id = ?
                        """, arguments: [retryAt.millisecondsSinceEpoch, reason, id])
            }
            switch result {
            case .cancelled:
                try dropIntent()
                try db.applyEvent(
                    .cancelledAtCarrier, to: id, actor: actor, now: millis, detail: "\(job.carrier) cancelled \(job.trackingNumber)")
                return .cancelled
            case .refused(let reason):
                try dropIntent()
                try db.recordEvent(
                    at: millis, kind: .cancelRefused, shipment: id, carrier: job.carrier, actor: actor,
                    detail: "\(job.carrier) refused to cancel \(job.trackingNumber): \(reason)")
                return .refused("\(job.carrier) refused to cancel \(job.trackingNumber): \(reason)")
            case .notCancelled(let reason) where !job.retrying:
                // Nothing happened at the carrier and the operator hears so now: no intent kept.
                try dropIntent()
                return .unavailable("\(job.carrier) did not cancel \(job.trackingNumber): \(reason); try again later")
            case .notCancelled(let reason), .unknown(let reason):
                try keepPending(reason)
                try db.recordEvent(
                    at: millis, kind: .cancelPending, shipment: id, carrier: job.carrier, actor: actor,
                    detail: "\(job.carrier) has not confirmed the cancel of \(job.trackingNumber): \(reason); asked again at \(retryAt)")
                return .pending("\(job.carrier) has not confirmed the cancel yet (\(reason)); it is asked again until it answers")
            }
        }
    }

    public func claimPendingCancels(now: Instant, lease: Duration, limit: Int) async throws -> [CancelJob] {
        let millis = now.millisecondsSinceEpoch
        let until = (now + lease).millisecondsSinceEpoch
        return try await pool.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE cancel_requests SET next_attempt_at = ?
                    WHERE shipment_id IN (
                        SELECT shipment_id FROM cancel_requests WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
                    RETURNING shipment_id, carrier, tracking_number, attempts
                    """, arguments: [until, millis, max(1, limit)]
            ).map { row in
                CancelJob(
                    shipmentID: row["shipment_id"], carrier: row["carrier"], trackingNumber: row["tracking_number"],
                    attempts: row["attempts"], retrying: true)
            }
        }
    }

    public func recoverInterruptedCancels(now: Instant) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE cancel_requests SET state = 'pending', next_attempt_at = ? WHERE next_attempt_at > ?",
                arguments: [now.millisecondsSinceEpoch, now.millisecondsSinceEpoch])
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cancel_requests") ?? 0
        }
    }

    /// How long the first cancel call of an intent holds it before the retry pass may take it.
    static let cancelCallLease: Duration = .seconds(120)

    /// The shipment's normalised tracking status (SPEC §13, migration v7's `tracking` row), nil
    /// before its first event or when it is not tracked: ``CancelRule`` takes that as no
    /// evidence of movement.
    static func trackingStatus(_ db: Database, shipment id: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM tracking WHERE shipment_id = ?"), arguments: [id])
    }
}
