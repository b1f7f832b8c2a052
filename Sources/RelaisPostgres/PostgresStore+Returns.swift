import PostgresNIO
import RelaisCore
import RelaisStore

/// Returns (SPEC §14) on PostgreSQL: a shipment `R-…` with `direction = 'return'` and a
/// `returns` row holding the order-shaped body booking reads.
///
/// Several nodes: the order's row is locked first, so two returns of one order are counted
/// one after the other (never more parcels back than sent); the shop's return id is the
/// primary key of `returns`, and the `R-…` number comes from `return_seq`, never drawn twice.
extension PostgresStore: ReturnDesk {
    public func recordedOrder(id: String) async throws -> String? {
        try await read("recorded order") { connection, logger in
            try await connection.query("SELECT body FROM orders WHERE id = \(id)", logger: logger).collect().first?.decode(String.self)
        }
    }

    public func createReturn(_ request: NewReturn, decision: Decision, policy: Policy, actor: Actor, now: Int64) async throws -> String {
        try await transaction("create return") { connection, logger in
            guard
                let order = try await connection.query(
                    """
                    SELECT s.state, COALESCE(jsonb_array_length(o.body::jsonb -> 'parcels'), 0)
                    FROM orders o LEFT JOIN shipments s ON s.id = o.shipment_id WHERE o.id = \(request.orderID)
                    FOR UPDATE OF o
                    """, logger: logger
                ).collect().first
            else { throw StoreError.notFound("order \(request.orderID)") }
            let (orderState, sent) = try order.decode((String?, Int).self)
            guard orderState == ShipmentState.booked.rawValue else {
                throw StoreError.refused("order \(request.orderID) was never shipped: nothing to bring back")
            }
            if let earlier = try await connection.query("SELECT shipment_id FROM returns WHERE id = \(request.id)", logger: logger)
                .collect().first?.decode(String.self)
            {
                throw StoreError.refused("return \(request.id) exists already (\(earlier))")
            }
            let back = try await connection.query(
                "SELECT COALESCE(SUM(parcels), 0)::BIGINT FROM returns WHERE order_id = \(request.orderID)", logger: logger
            ).collect().first?.decode(Int.self) ?? 0
            guard back + request.parcels <= sent else {
                throw StoreError.refused(
                    "order \(request.orderID) sent \(sent) parcels and \(back) are already coming back: a second return for the same parcels")
            }
            try await connection.recordPolicy(policy, now: now, logger: logger)
            guard
                let numbers = try await connection.query(
                    "SELECT nextval('return_seq'), nextval('shipment_seq'), nextval(pg_get_serial_sequence('decisions', 'id'))",
                    logger: logger
                ).collect().first
            else { throw StoreError.notFound("return number for \(request.id)") }
            // Shipments' seq is shared by both kinds: a return takes the next one too.
            let (number, shipmentSeq, decisionID) = try numbers.decode((Int64, Int64, Int64).self)
            let id = "R-\(number)"
            let chosen = decision.chosen
            let state: ShipmentState = chosen == nil ? try ShipmentLifecycle.next(.queued, on: .policyHold).get() : .queued
            var rows = NewShipmentRows(now: now)
            rows.append(
                id: id, seq: shipmentSeq, state: state, site: request.site, consolidationKey: "return:\(request.id)", decision: decision,
                decisionID: decisionID, reason: chosen == nil ? decision.holdReason : nil, parcels: request.parcels,
                weightKg: request.weightKg, direction: .return)
            try await connection.insertShipments(rows, logger: logger)
            // Two nodes given one new return id at once: the key orders them, the second is refused.
            let inserted = try await connection.query(
                """
                INSERT INTO returns (id, order_id, shipment_id, reason, parcels, body, created_at)
                VALUES (\(request.id), \(request.orderID), \(id), \(request.reason), \(request.parcels), \(request.body), \(now))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger
            ).collect()
            guard !inserted.isEmpty else { throw StoreError.refused("return \(request.id) exists already") }
            try await connection.recordDecisions([(decision, id, decisionID)], now: now, logger: logger)
            try await connection.recordEvent(
                at: now, kind: .shipmentCreated, shipment: id, order: request.orderID, actor: actor,
                detail: "return \(request.id) of order \(request.orderID)\(request.reason.map { " (\($0))" } ?? ""); policy \(policy.name) \(policy.sha256.prefix(12)); \(chosen.map { "\($0.key)" } ?? "held: \(decision.holdReason)")",
                logger: logger)
            if state == .held { try await connection.appendOutboxEvent(.shipmentHeld, about: .shipment(id), now: now, logger: logger) }
            return id
        }
    }
}
