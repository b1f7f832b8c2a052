import Foundation
import GRDB
import RelaisControlAPI
import RelaisCore
import RelaisStore

extension RecordStore {
    /// Creates shipments with their decisions in one transaction; returns their ids.
    ///
    /// A decision that chose a service queues the shipment; a held decision holds it with
    /// the reasons in `reason`. The policy text is recorded once per version.
    public func createShipments(_ shipments: [NewShipment], policy: Policy, actor: Actor = .aggregation, now: Int64)
        async throws -> [String]
    {
        try await pool.write { db in
            // Cached statements throughout: one batch after another, all day.
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO policy_versions (sha256, name, text, first_seen_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [policy.sha256, policy.name, policy.text, now])
            // Reserve the batch's ids in one step: the sequence, not MAX(seq) + 1.
            let last = try Int64.fetchOne(
                db.cachedStatement(sql: "UPDATE sequences SET last = last + ? WHERE name = 'shipment' RETURNING last"),
                arguments: [shipments.count]) ?? 0
            var seq = last - Int64(shipments.count)
            // Each shipment is inserted with the id its decision will get, rather than
            // updated with it afterwards (the decision references the shipment, so it comes
            // second): one write of the shipment's row instead of two. The writer is the
            // only one to insert decisions, so the next ids are the last one's successors.
            var decisionID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM decisions")) ?? 0
            let insertShipment = try db.cachedStatement(
                sql: """
                    INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, next_attempt_at,
                        carrier, service, price_minor, currency, eta, co2e_g, late, reason, parcels, weight_kg, decision_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let assign = try db.cachedStatement(sql: "UPDATE orders SET shipment_id = ? WHERE id = ? AND shipment_id IS NULL")
            var ids: [String] = []
            for shipment in shipments {
                seq += 1
                let id = "S-\(seq)"
                let decision = shipment.decision
                let chosen = decision.chosen
                // A new shipment is queued; a decision that chose nothing holds it, as the
                // lifecycle's policy hold says.
                let state: ShipmentState =
                    chosen == nil ? try ShipmentLifecycle.next(.queued, on: .policyHold).get() : .queued
                let reason = chosen == nil ? decision.holdReason : nil
                decisionID += 1
                try insertShipment.execute(arguments: [
                    id, seq, state.rawValue, shipment.site, shipment.consolidationKey, now, now, state == .queued ? now : nil,
                    chosen?.key.carrier, chosen?.key.service, chosen?.price?.minorUnits, decision.currency,
                    chosen?.eta?.p50.description, chosen?.co2eGrams, decision.late, reason, shipment.parcels, shipment.weightKg,
                    decisionID,
                ])
                for orderID in shipment.orderIDs {
                    try assign.execute(arguments: [id, orderID])
                    guard db.changesCount == 1 else { throw StoreError.refused("order \(orderID) is not pending") }
                }
                try db.recordDecision(decision, id: decisionID, shipment: id, now: now)
                let summary = chosen.map { "\($0.key)\(decision.late ? " (late)" : "")" } ?? "held: \(reason ?? "")"
                try db.recordEvent(
                    at: now, kind: .shipmentCreated, shipment: id, actor: actor,
                    detail: "orders \(shipment.orderIDs.joined(separator: ",")); policy \(policy.name) \(policy.sha256.prefix(12)); \(summary)")
                // Held at decision time (the policy's hold): the shop hears of it as of any hold.
                if state == .held { try db.writeOutboxEvent(.shipmentHeld, shipment: id, now: now) }
                ids.append(id)
            }
            return ids
        }
    }


    /// Shipments per state, from counters the database keeps: no scan, whatever the size.
    public func queueCounts() async throws -> [ShipmentState: Int] {
        try await quickRead { db in try Self.queueCounts(db) }
    }

    static func queueCounts(_ db: Database) throws -> [ShipmentState: Int] {
        var counts: [ShipmentState: Int] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, n FROM queue_counts")) {
            if let state = ShipmentState(rawValue: row["state"]) { counts[state] = row["n"] }
        }
        return counts
    }

    /// Claims up to `limit` shipments that are queued, or deferred and due, oldest first,
    /// whatever their carrier (tests and tools; the booking stage claims per carrier).
    public func claim(limit: Int, now: Int64) async throws -> [ClaimedShipment] {
        let node = self.node
        let leaseUntil = now + lease.wholeMilliseconds
        return try await pool.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE shipments SET \(Self.claimAssignments)
                    WHERE id IN (
                        SELECT id FROM shipments
                        WHERE state IN (\(Self.claimableStates)) AND next_attempt_at <= :now
                        ORDER BY next_attempt_at LIMIT :limit)
                    RETURNING id, site, carrier, service, attempts
                    """, arguments: ["now": now, "limit": limit, "node": node, "lease": leaseUntil]
            ).map(Self.claimedShipment)
        }
    }

    /// What a claim sets, through the lifecycle: `booking`, one more attempt, stamped with
    /// the node and its lease. Named arguments `:now`, `:node`, `:lease`.
    static let claimAssignments = """
        state = '\(claimedState.rawValue)', attempts = attempts + 1, updated_at = :now, next_attempt_at = NULL,
        claimed_by = :node, lease_until = :lease
        """

    /// The states a claim takes shipments from, and the state it puts them in: read from
    /// the lifecycle, so that a claim is the lifecycle's `claim` event applied to many rows.
    static let claimableStates = ShipmentLifecycle.states(accepting: .claim).map { "'\($0.rawValue)'" }.joined(separator: ", ")
    static let claimedState = try! ShipmentLifecycle.next(.queued, on: .claim).get()

    /// Extends the lease of every shipment this node holds in `booking`.
    public func renewClaims(now: Instant) async throws {
        let node = self.node
        let leaseUntil = (now + lease).millisecondsSinceEpoch
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE shipments SET lease_until = ? WHERE state = 'booking' AND claimed_by = ?", arguments: [leaseUntil, node])
        }
    }

    /// At start-up, every shipment this node left in `booking` (and any whose claim's lease
    /// expired, or that was claimed before claims had a node) becomes `uncertain`: its
    /// carrier call may or may not have booked, so it is never booked elsewhere unreconciled.
    /// Another node's live claims are left alone. Each goes through the lifecycle's
    /// `recoveredAfterCrash` event and is logged.
    /// - Returns: the shipments changed.
    public func recoverInterruptedBookings(now: Instant) async throws -> [String] {
        let node = self.node
        let millis = now.millisecondsSinceEpoch
        return try await pool.write { db in
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM shipments WHERE state = 'booking'
                        AND (claimed_by IS NULL OR claimed_by = ? OR COALESCE(lease_until, 0) <= ?)
                    ORDER BY id
                    """,
                arguments: [node, millis])
            for id in ids {
                try db.cachedStatement(sql: "UPDATE shipments SET reason = ? WHERE id = ?")
                    .execute(arguments: [ShipmentTransition.recoveredReason, id])
                try db.applyEvent(
                    .recoveredAfterCrash, to: id, actor: .recovery, now: millis, nextAttemptAt: millis,
                    detail: "found in booking at start-up: the outcome of its carrier call is unknown")
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

    public func shipment(id: String) async throws -> ShipmentRecord? {
        try await quickRead { db in try db.shipmentRecord(id: id) }
    }

    /// Shipments filtered by state and carrier, newest first, at most `limit`.
    public func shipments(state: ShipmentState? = nil, carrier: String? = nil, limit: Int = 100) async throws -> [ShipmentRecord] {
        try await pageRead(limit: limit) { db in
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
            // Cached: four shapes of query in all (state, carrier, both, neither). Compiling
            // the join on every request was a fifth of listing 20 shipments.
            // Rows read from SQLite's statement as they come (a cursor), not copied first:
            // GRDB decodes a copied row's values through its generic path, with type
            // metadata looked up at run time for each.
            let page = try db.cachedStatement(sql: "\(Self.shipmentSelect) \(filter) ORDER BY s.seq DESC LIMIT ?")
            let columns = ColumnIndex(names: page.columnNames)
            var records: [ShipmentRecord] = []
            let rows = try Row.fetchCursor(page, arguments: arguments)
            while let row = try rows.next() { records.append(Self.shipmentRecord(row, columns: columns)) }
            guard !records.isEmpty else { return [] }
            // The orders of every listed shipment in one query, not one per row; the same
            // page selected again (same transaction), so that the query's text, and its
            // cached statement, does not depend on the page's length.
            var orders: [String: [String]] = [:]
            let orderRows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT shipment_id, id FROM orders
                        WHERE shipment_id IN (SELECT s.id FROM shipments s \(filter) ORDER BY s.seq DESC LIMIT ?) ORDER BY id
                        """),
                arguments: arguments)
            while let row = try orderRows.next() { orders[row[0] as String, default: []].append(row[1] as String) }
            // A return has no orders of its own: it keeps the one it brings back.
            return records.map { record in
                guard let listed = orders[record.id], !listed.isEmpty else { return record }
                var record = record
                record.orderIDs = listed
                return record
            }
        }
    }

    /// A shipment row with the chosen candidate's emissions inputs (the service it is on
    /// now, after any failover) and, for a return, its request.
    static let shipmentSelect = """
        SELECT s.*, c.km AS candidate_km, c.data_quality AS candidate_data_quality, d.distance_basis AS distance_basis,
            r.id AS return_id, r.order_id AS return_order, r.reason AS return_reason
        FROM shipments s
        LEFT JOIN decisions d ON d.id = s.decision_id
        LEFT JOIN decision_candidates c ON c.decision_id = s.decision_id AND c.carrier = s.carrier AND c.service = s.service
            AND (c.origin IS NULL OR c.origin = s.site)
        LEFT JOIN returns r ON r.shipment_id = s.id
        """

    /// A shipment row of ``shipmentSelect``, its orders not yet read: a return lists the
    /// order it brings back, any other shipment none until its caller fills them in.
    /// - Parameter columns: the query's columns by name.
    static func shipmentRecord(_ row: Row, columns c: ColumnIndex) -> ShipmentRecord {
        let price: Int64? = c[row, "price_minor"]
        var emissions: ShipmentEmissions?
        if let co2e: Double = c[row, "co2e_g"], let quality: Int = c[row, "candidate_data_quality"] {
            emissions = ShipmentEmissions(
                co2eGrams: co2e, dataQuality: quality, distanceKm: c[row, "candidate_km"],
                distanceBasis: (c[row, "distance_basis"] as String?).flatMap(DistanceBasis.init(rawValue:)), parcels: c[row, "parcels"],
                weightKg: c[row, "weight_kg"])
        }
        // A return has no orders of its own: it brings one back.
        var returnOf: ReturnOf?
        if let returnID: String = c[row, "return_id"], let orderID: String = c[row, "return_order"] {
            returnOf = ReturnOf(id: returnID, orderID: orderID, reason: c[row, "return_reason"])
        }
        return ShipmentRecord(
            id: c[row, "id"], state: ShipmentState(rawValue: c[row, "state"]) ?? .failed,
            orderIDs: returnOf.map { [$0.orderID] } ?? [], site: c[row, "site"],
            carrier: c[row, "carrier"], service: c[row, "service"], trackingNumber: c[row, "tracking_number"],
            price: price.map(Money.init(minorUnits:)), currency: c[row, "currency"], eta: c[row, "eta"], co2eGrams: c[row, "co2e_g"],
            late: c[row, "late"], labelPath: c[row, "label_path"], attempts: c[row, "attempts"], nextAttemptAt: c[row, "next_attempt_at"],
            reason: c[row, "reason"], createdAt: c[row, "created_at"], updatedAt: c[row, "updated_at"], emissions: emissions,
            returnOf: returnOf)
    }

    /// Shipments given to each carrier at `site` between `from` and `until` (ms), and in
    /// all: what allocation limits count (SPEC §6). A shipment counts from its decision, not
    /// its booking, so a burst decided at once cannot overshoot a share; failed and held
    /// shipments do not count.
    public func allocationCounts(site: String, from: Int64, until: Int64) async throws -> (total: Int, perCarrier: [String: Int]) {
        try await pool.read { db in try Self.allocationCounts(db, site: site, from: from, until: until) }
    }

    /// ``allocationCounts(site:from:until:)`` for several sites, each with its own local day,
    /// in one read: a request that decides over several origins waits for the reader once.
    public func allocationCounts(sites: [String: (from: Int64, until: Int64)]) async throws
        -> [String: (total: Int, perCarrier: [String: Int])]
    {
        try await pool.read { db in
            var counts: [String: (total: Int, perCarrier: [String: Int])] = [:]
            for (site, day) in sites { counts[site] = try Self.allocationCounts(db, site: site, from: day.from, until: day.until) }
            return counts
        }
    }

    static func allocationCounts(_ db: Database, site: String, from: Int64, until: Int64) throws -> (total: Int, perCarrier: [String: Int]) {
        var perCarrier: [String: Int] = [:]
        let quarters = AllocationQuarters(from: from, until: until)
        if !quarters.whole.isEmpty {
            let statement = try db.cachedStatement(
                sql: "SELECT carrier, SUM(n) FROM allocation_counts WHERE site = ? AND bucket >= ? AND bucket < ? GROUP BY carrier")
            let rows = try Row.fetchCursor(statement, arguments: [site, quarters.whole.lowerBound, quarters.whole.upperBound])
            while let row = try rows.next() { perCarrier[row[0] as String, default: 0] += row[1] as Int }
        }
        for part in quarters.partial {
            try countShipments(db, site: site, from: part.lowerBound, until: part.upperBound, into: &perCarrier)
        }
        perCarrier = perCarrier.filter { $0.value != 0 }
        return (perCarrier.values.reduce(0, +), perCarrier)
    }

    /// The shipments counted for allocations at `site` created in [`from`, `until`), one by one.
    private static func countShipments(_ db: Database, site: String, from: Int64, until: Int64, into perCarrier: inout [String: Int]) throws {
        let statement = try db.cachedStatement(
            sql: """
                SELECT carrier, COUNT(*) AS n FROM shipments
                WHERE site = ? AND created_at >= ? AND created_at < ? AND carrier IS NOT NULL AND state NOT IN ('failed', 'held')
                GROUP BY carrier
                """)
        for row in try Row.fetchAll(statement, arguments: [site, from, until]) {
            perCarrier[row["carrier"] as String, default: 0] += row["n"] as Int
        }
    }

    /// The event log of a shipment, oldest first.
    public func events(shipment id: String) async throws -> [EventRecord] {
        try await quickRead { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM events WHERE shipment_id = ? ORDER BY id"), arguments: [id]).map(EventRecord.init)
        }
    }

    /// The event log of an order, oldest first.
    public func events(order id: String) async throws -> [EventRecord] {
        try await quickRead { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM events WHERE order_id = ? ORDER BY id"), arguments: [id]).map(EventRecord.init)
        }
    }
}

extension EventRecord {
    init(_ row: Row) {
        self.init(
            at: row["at"], kind: EventKind(recorded: row["kind"]), shipmentID: row["shipment_id"], orderID: row["order_id"], actor: row["actor"],
            uid: row["uid"], detail: row["detail"])
    }
}

extension Database {
    /// Applies a lifecycle event to one shipment and logs it, in the caller's transaction,
    /// with the outbox event that announces it (``changeState(_:of:actor:now:nextAttemptAt:detail:setting:_:)``
    /// and ``writeOutboxEvents(_:now:)``).
    @discardableResult
    func applyEvent(
        _ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, nextAttemptAt: Int64? = nil, detail: String = ""
    ) throws -> ShipmentState {
        let (next, announcement) = try changeState(event, of: id, actor: actor, now: now, nextAttemptAt: nextAttemptAt, detail: detail)
        // The transactional outbox: the shop hears of the change in the same transaction.
        if let announcement { try writeOutboxEvents([announcement], now: now) }
        return next
    }

    /// Applies a lifecycle event to one shipment and logs it, and says what the outbox is to
    /// announce, for the caller to write in the same transaction (a booking commit writes its
    /// outcomes' events together). `columns` (`"reason = ?"`, …) and their `values` are set in
    /// the same `UPDATE` as the state: a booking's outcome rewrites the shipment's row once,
    /// not twice.
    func changeState(
        _ event: ShipmentEvent, of id: String, actor: Actor, now: Int64, nextAttemptAt: Int64? = nil, detail: String = "",
        setting columns: [String] = [], _ values: StatementArguments = []
    ) throws -> (next: ShipmentState, announcement: OutboxAnnouncement?) {
        // Cached statements: a booking commit applies hundreds of events in one transaction,
        // and compiling each statement again cost more than running it.
        guard let row = try Row.fetchOne(cachedStatement(sql: "SELECT state, direction FROM shipments WHERE id = ?"), arguments: [id]),
            let current = ShipmentState(rawValue: row["state"])
        else { throw StoreError.notFound("shipment \(id)") }
        let direction: String = row["direction"]
        let transition = try ShipmentTransition(shipment: id, from: current, on: event, now: now, nextAttemptAt: nextAttemptAt)
        let (next, due) = (transition.next, transition.due)
        // One statement per set of columns: cached.
        try cachedStatement(
            sql: """
                UPDATE shipments SET state = ?, updated_at = ?, next_attempt_at = ?,
                    booked_at = CASE WHEN ? = 'booked' THEN ? ELSE booked_at END\(columns.map { ", \($0)" }.joined())
                WHERE id = ?
                """
        ).execute(arguments: [next.rawValue, now, due, next.rawValue, now] + values + [id])
        try recordEvent(
            at: now, kind: .shipment(event), shipment: id, actor: actor,
            detail: "\(current.rawValue) → \(next.rawValue)\(detail.isEmpty ? "" : ": \(detail)")")
        guard next != current, var type = OutboxEventType.announcing(next) else { return (next, nil) }
        // A return's booking is `return.booked` (SPEC §12, §14).
        if type == .shipmentBooked, direction == Direction.return.rawValue { type = .returnBooked }
        return (next, OutboxAnnouncement(type: type, shipment: id))
    }
}

/// A query's columns by name, found once for all its rows. GRDB's `row["name"]` searches
/// the columns one by one, comparing names without case: for the shipment rows (35 columns,
/// 25 names read per row) that was a fifth of listing shipments.
struct ColumnIndex {
    private let positions: [String: Int]

    /// A statement's columns (`Statement.columnNames`), before any row is read.
    init(names: [String]) {
        var positions: [String: Int] = [:]
        // The first column of a name wins, as with GRDB's own lookup.
        for (position, name) in names.enumerated() where positions[name] == nil { positions[name] = position }
        self.positions = positions
    }

    /// The value of column `name`; nil for NULL where the value is optional.
    subscript<Value: ColumnValue>(_ row: Row, _ name: String) -> Value {
        Value.read(row, at: positions[name] ?? -1)
    }
}

extension Database {
    /// Shipment `id` with its orders, as the control API and the outbox's events show it.
    func shipmentRecord(id: String) throws -> ShipmentRecord? { try shipmentRecords(ids: [id])[id] }

    /// Shipments with their orders, by id, read in one statement each (a booking commit's
    /// outbox events). The rows are read from SQLite's statement as they come (a cursor),
    /// not copied first.
    func shipmentRecords(ids: some Collection<String>) throws -> [String: ShipmentRecord] {
        guard !ids.isEmpty else { return [:] }
        let list = Self.jsonList(ids)
        let listed = "SELECT value FROM json_each(?)"
        let statement = try cachedStatement(sql: "\(RecordStore.shipmentSelect) WHERE s.id IN (\(listed))")
        let columns = ColumnIndex(names: statement.columnNames)
        var records: [String: ShipmentRecord] = [:]
        let rows = try Row.fetchCursor(statement, arguments: [list])
        while let row = try rows.next() {
            let record = RecordStore.shipmentRecord(row, columns: columns)
            records[record.id] = record
        }
        var orders: [String: [String]] = [:]
        for row in try Row.fetchAll(
            cachedStatement(sql: "SELECT shipment_id, id FROM orders WHERE shipment_id IN (\(listed)) ORDER BY id"), arguments: [list])
        {
            orders[row[0], default: []].append(row[1])
        }
        // A return has no orders of its own: it keeps the one it brings back.
        for (id, found) in orders { records[id]?.orderIDs = found }
        return records
    }

    /// Strings as one JSON array, for `json_each(?)`: one statement's text, and its cached
    /// statement, whatever their number.
    static func jsonList(_ values: some Collection<String>) -> String {
        var list = JSONText(capacity: values.count * 12)
        list.beginArray()
        for value in values {
            list.element()
            list.string(value)
        }
        list.endArray()
        return String(decoding: list.bytes, as: UTF8.self)
    }
}
