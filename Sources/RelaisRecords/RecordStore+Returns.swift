import GRDB
import RelaisCore
import RelaisStore

/// Returns (SPEC §14) on SQLite: a shipment `R-…` with `direction = 'return'` and a
/// `returns` row holding the order-shaped body booking reads.
extension RecordStore: ReturnDesk {
    public func recordedOrder(id: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT body FROM orders WHERE id = ?", arguments: [id]) }
    }

    public func createReturn(_ request: NewReturn, decision: Decision, policy: Policy, actor: Actor, now: Int64) async throws -> String {
        try await pool.write { db in
            guard let order = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.id, s.state, (SELECT COUNT(*) FROM json_each(o.body, '$.parcels')) AS parcels
                    FROM orders o LEFT JOIN shipments s ON s.id = o.shipment_id WHERE o.id = ?
                    """, arguments: [request.orderID])
            else { throw StoreError.notFound("order \(request.orderID)") }
            guard (order["state"] as String?) == ShipmentState.booked.rawValue else {
                throw StoreError.refused("order \(request.orderID) was never shipped: nothing to bring back")
            }
            if let earlier = try String.fetchOne(db, sql: "SELECT shipment_id FROM returns WHERE id = ?", arguments: [request.id]) {
                throw StoreError.refused("return \(request.id) exists already (\(earlier))")
            }
            let sent: Int = order["parcels"]
            let back = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(parcels), 0) FROM returns WHERE order_id = ?", arguments: [request.orderID]) ?? 0
            guard back + request.parcels <= sent else {
                throw StoreError.refused(
                    "order \(request.orderID) sent \(sent) parcels and \(back) are already coming back: a second return for the same parcels")
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO policy_versions (sha256, name, text, first_seen_at) VALUES (?, ?, ?, ?)",
                arguments: [policy.sha256, policy.name, policy.text, now])
            let seq = try Int64.fetchOne(db, sql: "UPDATE sequences SET last = last + 1 WHERE name = 'return' RETURNING last") ?? 1
            let id = "R-\(seq)"
            // Shipments' seq is shared by both kinds: a return takes the next one too.
            let shipmentSeq = try Int64.fetchOne(db, sql: "UPDATE sequences SET last = last + 1 WHERE name = 'shipment' RETURNING last") ?? seq
            let chosen = decision.chosen
            let state: ShipmentState = chosen == nil ? try ShipmentLifecycle.next(.queued, on: .policyHold).get() : .queued
            try db.execute(
                sql: """
                    INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, next_attempt_at,
                        carrier, service, price_minor, currency, eta, co2e_g, late, reason, parcels, weight_kg, direction)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'return')
                    """,
                arguments: [
                    id, shipmentSeq, state.rawValue, request.site, "return:\(request.id)", now, now, state == .queued ? now : nil,
                    chosen?.key.carrier, chosen?.key.service, chosen?.price?.minorUnits, decision.currency, chosen?.eta?.p50.description,
                    chosen?.co2eGrams, decision.late, chosen == nil ? decision.holdReason : nil, request.parcels, request.weightKg,
                ])
            try db.execute(
                sql: "INSERT INTO returns (id, order_id, shipment_id, reason, parcels, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [request.id, request.orderID, id, request.reason, request.parcels, request.body, now])
            let decisionID = try db.recordDecision(decision, shipment: id, now: now)
            try db.execute(sql: "UPDATE shipments SET decision_id = ? WHERE id = ?", arguments: [decisionID, id])
            try db.recordEvent(
                at: now, kind: .shipmentCreated, shipment: id, order: request.orderID, actor: actor,
                detail: "return \(request.id) of order \(request.orderID)\(request.reason.map { " (\($0))" } ?? ""); policy \(policy.name) \(policy.sha256.prefix(12)); \(chosen.map { "\($0.key)" } ?? "held: \(decision.holdReason)")")
            if state == .held { try db.writeOutboxEvent(.shipmentHeld, shipment: id, now: now) }
            return id
        }
    }
}
