import Foundation
import GRDB
import RelaisCore

/// A shipment to create: the orders it carries and the decision made for it.
public struct NewShipment: Sendable {
    public var orderIDs: [String]
    public var site: String
    public var consolidationKey: String
    public var decision: Decision
    /// Parcels and their total actual weight (kg): the emissions report's tonne-km.
    public var parcels: Int
    public var weightKg: Double

    public init(orderIDs: [String], site: String, consolidationKey: String, decision: Decision, parcels: Int, weightKg: Double) {
        self.orderIDs = orderIDs
        self.site = site
        self.consolidationKey = consolidationKey
        self.decision = decision
        self.parcels = parcels
        self.weightKg = weightKg
    }
}

/// A shipment as recorded, for `GET /v1/shipments/{id}` and `relaisctl show`.
public struct ShipmentRecord: Hashable, Sendable {
    public var id: String
    public var state: ShipmentState
    public var orderIDs: [String]
    public var site: String
    public var carrier: String?
    public var service: String?
    public var trackingNumber: String?
    public var price: Money?
    public var currency: String?
    public var eta: String?
    public var co2eGrams: Double?
    public var late: Bool
    public var labelPath: String?
    public var attempts: Int
    public var nextAttemptAt: Int64?
    public var reason: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The greenhouse-gas figure of the service it is on (nil while held).
    public var emissions: ShipmentEmissions?
}

/// A shipment the booking stage has claimed.
public struct ClaimedShipment: Hashable, Sendable {
    public var id: String
    public var site: String
    public var carrier: String?
    public var service: String?
    public var attempts: Int
}

extension RecordStore {
    /// Creates shipments with their decisions in one transaction; returns their ids.
    ///
    /// A decision that chose a service queues the shipment; a held decision holds it with
    /// the reasons in `reason`. The policy text is recorded once per version.
    public func createShipments(_ shipments: [NewShipment], policy: Policy, actor: Actor = .aggregation, now: Int64)
        async throws -> [String]
    {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO policy_versions (sha256, name, text, first_seen_at) VALUES (?, ?, ?, ?)",
                arguments: [policy.sha256, policy.name, policy.text, now])
            var seq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM shipments") ?? 0
            let insertShipment = try db.cachedStatement(
                sql: """
                    INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, next_attempt_at,
                        carrier, service, price_minor, currency, eta, co2e_g, late, reason, parcels, weight_kg)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let assign = try db.cachedStatement(sql: "UPDATE orders SET shipment_id = ? WHERE id = ? AND shipment_id IS NULL")
            var ids: [String] = []
            for shipment in shipments {
                seq += 1
                let id = "S-\(seq)"
                let decision = shipment.decision
                let chosen = decision.chosen
                let state: ShipmentState = chosen == nil ? .held : .queued
                let reason = chosen == nil ? Self.holdReason(decision) : nil
                try insertShipment.execute(arguments: [
                    id, seq, state.rawValue, shipment.site, shipment.consolidationKey, now, now, state == .queued ? now : nil,
                    chosen?.key.carrier, chosen?.key.service, chosen?.price?.minorUnits, decision.currency,
                    chosen?.eta?.p50.description, chosen?.co2eGrams, decision.late, reason, shipment.parcels, shipment.weightKg,
                ])
                for orderID in shipment.orderIDs {
                    try assign.execute(arguments: [id, orderID])
                    guard db.changesCount == 1 else { throw StoreError.refused("order \(orderID) is not pending") }
                }
                let decisionID = try db.recordDecision(decision, shipment: id, now: now)
                try db.execute(sql: "UPDATE shipments SET decision_id = ? WHERE id = ?", arguments: [decisionID, id])
                let summary = chosen.map { "\($0.key)\(decision.late ? " (late)" : "")" } ?? "held: \(reason ?? "")"
                try db.recordEvent(
                    at: now, kind: "shipment.created", shipment: id, actor: actor,
                    detail: "orders \(shipment.orderIDs.joined(separator: ",")); policy \(policy.name) \(policy.sha256.prefix(12)); \(summary)")
                // Held at decision time (the policy's hold): the shop hears of it as of any hold.
                if state == .held { try db.writeOutboxEvent(.shipmentHeld, shipment: id, now: now) }
                ids.append(id)
            }
            return ids
        }
    }

    /// "no eligible service: mode ×3, coverage ×2" — the reasons a decision held for.
    static func holdReason(_ decision: Decision) -> String {
        if decision.candidates.contains(where: { $0.reasons == .promise }) {
            return "the promised date cannot be met and the policy holds such shipments"
        }
        var counts: [ReasonCode: Int] = [:]
        for candidate in decision.candidates { for code in candidate.reasons.codes { counts[code, default: 0] += 1 } }
        let list = ReasonCode.allCases.compactMap { code in counts[code].map { "\(code.rawValue) ×\($0)" } }
        return "no eligible service: " + list.joined(separator: ", ")
    }

    /// Shipments per state, from counters the database keeps: no scan, whatever the size.
    public func queueCounts() async throws -> [ShipmentState: Int] {
        try await pool.read { db in try Self.queueCounts(db) }
    }

    static func queueCounts(_ db: Database) throws -> [ShipmentState: Int] {
        var counts: [ShipmentState: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT state, n FROM queue_counts") {
            if let state = ShipmentState(rawValue: row["state"]) { counts[state] = row["n"] }
        }
        return counts
    }

    /// Claims up to `limit` shipments that are queued, or deferred and due, moving them to
    /// `booking` in one statement; oldest first.
    public func claim(limit: Int, now: Int64) async throws -> [ClaimedShipment] {
        try await pool.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE shipments SET state = 'booking', attempts = attempts + 1, updated_at = :now, next_attempt_at = NULL
                    WHERE id IN (
                        SELECT id FROM shipments
                        WHERE state IN ('queued', 'deferred') AND next_attempt_at <= :now
                        ORDER BY next_attempt_at LIMIT :limit)
                    RETURNING id, site, carrier, service, attempts
                    """, arguments: ["now": now, "limit": limit]
            ).map { row in
                ClaimedShipment(id: row["id"], site: row["site"], carrier: row["carrier"], service: row["service"], attempts: row["attempts"])
            }
        }
    }

    /// At start-up, every shipment left in `booking` by a crash becomes `uncertain`: its
    /// carrier call may or may not have booked, so it is never booked elsewhere unreconciled.
    /// - Returns: the shipments changed.
    public func recoverInterruptedBookings(now: Int64) async throws -> [String] {
        try await pool.write { db in
            let ids = try String.fetchAll(
                db,
                sql: "UPDATE shipments SET state = 'uncertain', updated_at = ? WHERE state = 'booking' RETURNING id",
                arguments: [now])
            for id in ids {
                try db.recordEvent(
                    at: now, kind: "shipment.uncertain", shipment: id, actor: .recovery,
                    detail: "found in booking at start-up: the outcome of its carrier call is unknown")
                try db.writeOutboxEvent(.shipmentUncertain, shipment: id, now: now)
            }
            return ids
        }
    }

    /// Applies a lifecycle event to one shipment and logs it, in one transaction.
    ///
    /// - Parameters:
    ///   - nextAttemptAt: for `transientFailure`, when to try again (milliseconds).
    ///   - detail: what the event log says, for operators.
    /// - Returns: the new state.
    /// - Throws: ``StoreError`` not found, or refused with the lifecycle's reason.
    @discardableResult
    public func apply(
        _ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, nextAttemptAt: Int64? = nil, detail: String = ""
    ) async throws -> ShipmentState {
        try await pool.write { db in
            try db.applyEvent(event, to: id, actor: actor, now: now, nextAttemptAt: nextAttemptAt, detail: detail)
        }
    }

    static func eventName(_ event: ShipmentEvent) -> String {
        switch event {
        case .claim: "claim"
        case .booked: "booked"
        case .transientFailure: "deferred"
        case .permanentFailure: "failed"
        case .failover: "failover"
        case .outcomeUnknown: "uncertain"
        case .recoveredAfterCrash: "uncertain"
        case .reconciled(let booked): booked ? "reconciled-booked" : "reconciled-not-booked"
        case .hold: "hold"
        case .release: "release"
        case .retry: "retry"
        case .requeue: "requeue"
        case .fail: "fail"
        case .policyHold: "held"
        }
    }

    public func shipment(id: String) async throws -> ShipmentRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "\(Self.shipmentSelect) WHERE s.id = ?", arguments: [id]) else { return nil }
            let orders = try String.fetchAll(db, sql: "SELECT id FROM orders WHERE shipment_id = ? ORDER BY id", arguments: [id])
            return Self.shipmentRecord(row, orders: orders)
        }
    }

    /// Shipments filtered by state and carrier, newest first, at most `limit`.
    public func shipments(state: ShipmentState? = nil, carrier: String? = nil, limit: Int = 100) async throws -> [ShipmentRecord] {
        try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let state {
                conditions.append("s.state = ?")
                arguments += [state.rawValue]
            }
            if let carrier {
                conditions.append("s.carrier = ?")
                arguments += [carrier]
            }
            arguments += [max(1, min(limit, 10_000))]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchAll(db, sql: "\(Self.shipmentSelect) \(filter) ORDER BY s.seq DESC LIMIT ?", arguments: arguments)
            // The orders of every listed shipment in one query, not one per row.
            let ids: [String] = rows.map { $0["id"] }
            var orders: [String: [String]] = [:]
            if !ids.isEmpty {
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT shipment_id, id FROM orders WHERE shipment_id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY id",
                    arguments: StatementArguments(ids))
                {
                    orders[row["shipment_id"], default: []].append(row["id"])
                }
            }
            return rows.map { Self.shipmentRecord($0, orders: orders[$0["id"]] ?? []) }
        }
    }

    /// A shipment row with the chosen candidate's emissions inputs (the service it is on
    /// now, after any failover).
    static let shipmentSelect = """
        SELECT s.*, c.km AS candidate_km, c.data_quality AS candidate_data_quality, d.distance_basis AS distance_basis
        FROM shipments s
        LEFT JOIN decisions d ON d.id = s.decision_id
        LEFT JOIN decision_candidates c ON c.decision_id = s.decision_id AND c.carrier = s.carrier AND c.service = s.service
        """

    static func shipmentRecord(_ row: Row, orders: [String]) -> ShipmentRecord {
        let price: Int64? = row["price_minor"]
        var emissions: ShipmentEmissions?
        if let co2e: Double = row["co2e_g"], let quality: Int = row["candidate_data_quality"] {
            emissions = ShipmentEmissions(
                co2eGrams: co2e, dataQuality: quality, distanceKm: row["candidate_km"],
                distanceBasis: (row["distance_basis"] as String?).flatMap(DistanceBasis.init(rawValue:)), parcels: row["parcels"],
                weightKg: row["weight_kg"])
        }
        return ShipmentRecord(
            id: row["id"], state: ShipmentState(rawValue: row["state"]) ?? .failed, orderIDs: orders, site: row["site"],
            carrier: row["carrier"], service: row["service"], trackingNumber: row["tracking_number"],
            price: price.map(Money.init(minorUnits:)), currency: row["currency"], eta: row["eta"], co2eGrams: row["co2e_g"],
            late: row["late"], labelPath: row["label_path"], attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"],
            reason: row["reason"], createdAt: row["created_at"], updatedAt: row["updated_at"], emissions: emissions)
    }

    /// Shipments given to each carrier at `site` between `from` and `until` (ms), and in
    /// all: what allocation limits count (SPEC §6). A shipment counts from its decision, not
    /// its booking, so a burst decided at once cannot overshoot a share; failed and held
    /// shipments do not count.
    public func allocationCounts(site: String, from: Int64, until: Int64) async throws -> (total: Int, perCarrier: [String: Int]) {
        try await pool.read { db in
            var perCarrier: [String: Int] = [:]
            var total = 0
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT carrier, COUNT(*) AS n FROM shipments
                    WHERE site = ? AND created_at >= ? AND created_at < ? AND carrier IS NOT NULL AND state NOT IN ('failed', 'held')
                    GROUP BY carrier
                    """,
                arguments: [site, from, until])
            {
                let n: Int = row["n"]
                total += n
                if let carrier: String = row["carrier"] { perCarrier[carrier] = n }
            }
            return (total, perCarrier)
        }
    }

    /// The event log of a shipment, oldest first.
    public func events(shipment id: String) async throws -> [EventRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE shipment_id = ? ORDER BY id", arguments: [id]).map(EventRecord.init)
        }
    }

    /// The event log of an order, oldest first.
    public func events(order id: String) async throws -> [EventRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE order_id = ? ORDER BY id", arguments: [id]).map(EventRecord.init)
        }
    }
}

/// One line of the event log.
public struct EventRecord: Hashable, Sendable {
    public var at: Int64
    public var kind: String
    public var shipmentID: String?
    public var orderID: String?
    public var actor: String
    public var uid: Int64?
    public var detail: String

    init(_ row: Row) {
        at = row["at"]
        kind = row["kind"]
        shipmentID = row["shipment_id"]
        orderID = row["order_id"]
        actor = row["actor"]
        uid = row["uid"]
        detail = row["detail"]
    }
}

extension Database {
    /// Applies a lifecycle event to one shipment and logs it, in the caller's transaction.
    @discardableResult
    func applyEvent(
        _ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, nextAttemptAt: Int64? = nil, detail: String = ""
    ) throws -> ShipmentState {
        // Cached statements: a booking commit applies hundreds of events in one transaction,
        // and compiling each statement again cost more than running it.
        guard let current = try String.fetchOne(cachedStatement(sql: "SELECT state FROM shipments WHERE id = ?"), arguments: [id])
            .flatMap(ShipmentState.init(rawValue:))
        else { throw StoreError.notFound("shipment \(id)") }
        let next: ShipmentState
        switch ShipmentLifecycle.next(current, on: event) {
        case .success(let state): next = state
        case .failure(let refusal): throw StoreError.refused("shipment \(id) is \(current.rawValue): \(refusal.reason)")
        }
        let due: Int64? =
            switch next {
            case .queued: now
            case .deferred: nextAttemptAt ?? now
            // Uncertain rows keep next_attempt_at as their next lookup at the carrier.
            case .uncertain: nextAttemptAt
            default: nil
            }
        try cachedStatement(
            sql: """
                UPDATE shipments SET state = ?, updated_at = ?, next_attempt_at = ?,
                    booked_at = CASE WHEN ? = 'booked' THEN ? ELSE booked_at END
                WHERE id = ?
                """
        ).execute(arguments: [next.rawValue, now, due, next.rawValue, now, id])
        try recordEvent(
            at: now, kind: "shipment.\(RecordStore.eventName(event))", shipment: id, actor: actor,
            detail: "\(current.rawValue) → \(next.rawValue)\(detail.isEmpty ? "" : ": \(detail)")")
        // The transactional outbox: the shop hears of the change in the same transaction.
        if next != current, let type = OutboxEventType.announcing(next) {
            try writeOutboxEvent(type, shipment: id, now: now)
        }
        return next
    }
}
