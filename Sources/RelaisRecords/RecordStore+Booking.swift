import Foundation
import GRDB
import RelaisControlAPI
import RelaisCore
import RelaisStore

extension RecordStore {
    /// Claims due shipments carrier by carrier, in one transaction: at most `limits[c]` for
    /// carrier `c`, and `othersLimit` in all for carriers not named (so that shipments of a
    /// carrier that left the panel are claimed and failed over).
    ///
    /// Claiming per carrier keeps few shipments in `booking` without a call under way: a
    /// crash turns every `booking` row `uncertain`. Every query walks an index: the carriers
    /// not named are found by skipping through `shipments_carrier_due` one carrier at a time,
    /// not by scanning a queue that may hold hundreds of thousands of rows.
    public func claim(limits: [String: Int], othersLimit: Int, now: Instant) async throws -> [ClaimedShipment] {
        let leaseUntil = (now + lease).millisecondsSinceEpoch
        let now = now.millisecondsSinceEpoch
        let node = self.node
        return try await pool.write { db in
            // SQLite's planner picks a worse index for this query without the hint; the SQL of
            // this engine stays in this module.
            let claimDue = try db.cachedStatement(
                sql: """
                    UPDATE shipments SET \(Self.claimAssignments)
                    WHERE id IN (
                        SELECT id FROM shipments INDEXED BY shipments_carrier_due
                        WHERE carrier = :carrier AND state IN (\(Self.claimableStates)) AND next_attempt_at <= :now
                        ORDER BY next_attempt_at LIMIT :limit)
                    RETURNING id, site, carrier, service, attempts
                    """)
            func claim(_ carrier: String, limit: Int) throws -> [ClaimedShipment] {
                try Row.fetchAll(
                    claimDue, arguments: ["now": now, "carrier": carrier, "limit": limit, "node": node, "lease": leaseUntil]
                ).map(Self.claimedShipment)
            }
            var claimed: [ClaimedShipment] = []
            for (carrier, limit) in limits.sorted(by: { $0.key < $1.key }) where limit > 0 {
                claimed += try claim(carrier, limit: limit)
            }
            if othersLimit > 0 {
                let nextCarrier = try db.cachedStatement(
                    sql: "SELECT carrier FROM shipments INDEXED BY shipments_carrier_due WHERE carrier > ? ORDER BY carrier LIMIT 1")
                var remaining = othersLimit
                var last = ""
                while remaining > 0, let carrier = try String.fetchOne(nextCarrier, arguments: [last]) {
                    last = carrier
                    guard limits[carrier] == nil else { continue }
                    let found = try claim(carrier, limit: remaining)
                    remaining -= found.count
                    claimed += found
                }
            }
            return claimed
        }
    }

    static func claimedShipment(_ row: Row) -> ClaimedShipment {
        ClaimedShipment(id: row["id"], site: row["site"], carrier: row["carrier"], service: row["service"], attempts: row["attempts"])
    }

    /// The details of claimed shipments, read in one transaction.
    ///
    /// The ids go in as one JSON array (`json_each`), so that each query's text, and its
    /// cached statement, is the same for every claim: with one `?` per id, SQLite compiled
    /// five statements for every claim.
    public func bookingJobs(for claimed: [ClaimedShipment]) async throws -> [BookingJob] {
        guard !claimed.isEmpty else { return [] }
        let ids: StatementArguments = [Database.jsonList(claimed.map(\.id))]
        let listed = "SELECT value FROM json_each(?)"
        return try await pool.read { db in
            var assembly = BookingJobAssembly()
            for row in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT shipment_id, body FROM orders WHERE shipment_id IN (\(listed)) ORDER BY id"), arguments: ids)
            {
                assembly.bodies[row["shipment_id"], default: []].append(row["body"])
            }
            // A return's order-shaped body (the customer, its parcels, the site they go back to).
            for row in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT shipment_id, body FROM returns WHERE shipment_id IN (\(listed))"), arguments: ids)
            {
                assembly.bodies[row["shipment_id"], default: []].append(row["body"])
                assembly.returns.insert(row["shipment_id"])
            }
            assembly.created = try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(
                    db.cachedStatement(sql: "SELECT id, created_at FROM shipments WHERE id IN (\(listed))"), arguments: ids
                ).map { ($0["id"] as String, $0["created_at"] as Int64) })
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT s.id AS shipment_id, c.carrier, c.service, c.price_minor, c.eta_p50, c.co2e_g
                        FROM shipments s JOIN decision_candidates c ON c.decision_id = s.decision_id
                        WHERE s.id IN (\(listed)) AND (c.rank IS NOT NULL OR c.reasons = 'promise')
                            -- failover stays at the origin chosen: the parcels are prepared there
                            AND (c.origin IS NULL OR c.origin = s.site)
                        ORDER BY s.id, c.rank IS NULL, c.rank, c.lead_days, c.cost_units
                        """), arguments: ids)
            {
                let id: String = row["shipment_id"]
                assembly.candidates[id, default: []].append(
                    BookingCandidate(
                        key: ServiceKey(carrier: row["carrier"], service: row["service"]),
                        price: (row["price_minor"] as Int64?).map(Money.init(minorUnits:)), eta: row["eta_p50"],
                        co2eGrams: row["co2e_g"]))
            }
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT shipment_id, carrier, service, failure_class, outcome FROM booking_attempts
                        WHERE shipment_id IN (\(listed)) AND failure_class IS NOT NULL
                        """), arguments: ids)
            {
                assembly.addFailedAttempt(
                    shipment: row["shipment_id"], carrier: row["carrier"], service: row["service"],
                    failureClass: row["failure_class"], outcome: row["outcome"])
            }
            return assembly.jobs(for: claimed)
        }
    }

    /// Applies booking outcomes in one transaction: one fsync for the group, so throughput
    /// is not bound by one commit per booking.
    ///
    /// - Important: Call only after the label files of booked outcomes are durable: the
    ///   record then never names a label that a crash lost.
    public func commit(_ outcomes: [BookingOutcome], breakerOpenings: [BreakerOpening] = [], now: Instant) async throws {
        guard !outcomes.isEmpty || !breakerOpenings.isEmpty else { return }
        let now = now.millisecondsSinceEpoch
        try await pool.write { db in
            for opening in breakerOpenings {
                try db.recordEvent(
                    at: opening.at.millisecondsSinceEpoch, kind: .breakerOpened, carrier: opening.carrier, actor: .booking, detail: opening.detail)
            }
            let attempt = try db.cachedStatement(
                sql: """
                    INSERT INTO booking_attempts (shipment_id, carrier, service, started_at, finished_at, outcome,
                        failure_class, detail, http_status, duration_ms, tracking_number)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // The outbox's events, written together once the outcomes are applied (their
            // shipments read back in one statement), and before a shipment changes twice.
            var announcements: [OutboxAnnouncement] = []
            var announced: Set<String> = []
            for outcome in outcomes {
                if announced.contains(outcome.shipment) {
                    try db.writeOutboxEvents(announcements, now: now)
                    announcements.removeAll()
                    announced.removeAll()
                }
                let columns: [String]
                let arguments: StatementArguments
                let attemptOutcome = outcome.result.attemptOutcome
                switch outcome.result {
                case .booked(let trackingNumber, let carrierPrice, let labelPath):
                    columns = ["tracking_number = ?", "carrier_price_minor = ?", "label_path = ?", "reason = NULL"]
                    arguments = [trackingNumber, carrierPrice?.minorUnits, labelPath]
                case .deferred, .uncertain, .failed:
                    columns = ["reason = ?"]
                    arguments = [outcome.detail]
                case .postponed:
                    columns = ["reason = ?", "attempts = attempts - 1"]
                    arguments = [outcome.detail]
                case .failover(let candidate):
                    columns = ["carrier = ?", "service = ?", "price_minor = ?", "eta = ?", "co2e_g = ?", "reason = ?"]
                    arguments = [
                        candidate.key.carrier, candidate.key.service, candidate.price?.minorUnits, candidate.eta,
                        candidate.co2eGrams, outcome.detail,
                    ]
                }
                // The attempt first, then the columns with the state change: the outbox event
                // that applyEvent writes shows the tracking number, the label and this attempt.
                if !outcome.result.isPostponed {
                    try attempt.execute(arguments: [
                        outcome.shipment, outcome.carrier, outcome.service, outcome.startedAt.millisecondsSinceEpoch,
                        outcome.finishedAt.millisecondsSinceEpoch, attemptOutcome.rawValue, outcome.failureClass?.rawValue,
                        outcome.detail, outcome.httpStatus, max(0, (outcome.finishedAt - outcome.startedAt).wholeMilliseconds),
                        outcome.result.trackingNumber,
                    ])
                }
                let (_, announcement) = try db.changeState(
                    outcome.result.event, of: outcome.shipment, actor: .booking, now: now, nextAttemptAt: outcome.result.nextAttemptAt(now: now),
                    detail: "\(outcome.carrier)/\(outcome.service): \(attemptOutcome.rawValue)\(outcome.detail.isEmpty ? "" : " — \(outcome.detail)")",
                    setting: columns, arguments)
                if let announcement {
                    announcements.append(announcement)
                    announced.insert(announcement.shipment)
                }
            }
            try db.writeOutboxEvents(announcements, now: now)
        }
    }

    /// Uncertain shipments due for a lookup, oldest first.
    public func uncertainDue(carriers: Set<String>, now: Instant, limit: Int) async throws -> [UncertainShipment] {
        guard !carriers.isEmpty else { return [] }
        let now = now.millisecondsSinceEpoch
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, carrier, service FROM shipments
                    WHERE state = 'uncertain' AND COALESCE(next_attempt_at, 0) <= ?
                        AND carrier IN (\(databaseQuestionMarks(count: carriers.count)))
                    ORDER BY next_attempt_at LIMIT ?
                    """, arguments: StatementArguments([now] as [Int64]) + StatementArguments(carriers.sorted()) + [limit]
            ).map { UncertainShipment(id: $0["id"], carrier: $0["carrier"], service: $0["service"]) }
        }
    }

    /// Records a lookup's answer: booked (with the tracking number the carrier holds), not
    /// booked (back to the queue), or inconclusive (asked again at `retryAt`).
    public func reconcile(_ shipment: UncertainShipment, result: LookupResult, now: Instant, retryAt: Instant) async throws {
        let now = now.millisecondsSinceEpoch
        let retryAt = retryAt.millisecondsSinceEpoch
        try await pool.write { db in
            switch result {
            case .booked(let tracking):
                // The tracking number first: the outbox event applyEvent writes shows it.
                try db.execute(
                    sql: "UPDATE shipments SET tracking_number = ?, reason = NULL WHERE id = ? AND state = 'uncertain'",
                    arguments: [tracking, shipment.id])
                try db.applyEvent(
                    .reconciled(booked: true), to: shipment.id, actor: .booking, now: now,
                    detail: "\(shipment.carrier) holds it as \(tracking)")
            case .notBooked:
                try db.applyEvent(
                    .reconciled(booked: false), to: shipment.id, actor: .booking, now: now,
                    detail: "\(shipment.carrier) has no booking under this reference")
            case .inconclusive(let why):
                try db.execute(
                    sql: "UPDATE shipments SET next_attempt_at = ?, reason = ? WHERE id = ? AND state = 'uncertain'",
                    arguments: [retryAt, "lookup inconclusive: \(why)", shipment.id])
            }
        }
    }
}
