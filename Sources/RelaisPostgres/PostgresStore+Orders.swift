import Crypto
import Foundation
import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

extension IncomingOrder {
    /// The canonical JSON's SHA-256, hex: what idempotency compares (as the SQLite store).
    var contentSHA256: String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(canonicalJSON.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

extension PostgresStore {
    /// Records a batch of orders in one transaction. Two nodes accepting the same id at once
    /// are ordered by the primary key (`ON CONFLICT DO NOTHING`): one accepts, the other
    /// finds a duplicate or a conflict.
    ///
    /// - Important: An order counts as accepted only when this returns: its transaction
    ///   has committed.
    public func accept(_ orders: [IncomingOrder], source: String, actor: Actor, now: Int64) async throws -> [OrderAcceptance] {
        let hashed = orders.map { ($0, $0.contentSHA256) }
        return try await transaction("accept orders") { connection, logger in
            var outcomes: [OrderAcceptance] = []
            outcomes.reserveCapacity(hashed.count)
            // An id repeated inside the batch is judged against the batch's first version.
            var seen: [String: String] = [:]
            for (incoming, sha) in hashed {
                let id = incoming.order.id
                var existing = seen[id]
                if existing == nil {
                    let inserted = try await connection.query(
                        """
                        INSERT INTO orders (id, site, content_sha256, body, ready_at, consolidation_key, received_at, source)
                        VALUES (\(id), \(incoming.order.site), \(sha), \(incoming.canonicalJSON), \(incoming.order.readyAt),
                            \(incoming.consolidationKey), \(now), \(source))
                        ON CONFLICT (id) DO NOTHING RETURNING id
                        """, logger: logger
                    ).collect()
                    if !inserted.isEmpty {
                        seen[id] = sha
                        outcomes.append(.accepted)
                        continue
                    }
                    existing = try await connection.query("SELECT content_sha256 FROM orders WHERE id = \(id)", logger: logger)
                        .collect().first?.decode(String.self)
                }
                guard let existing else { throw StoreError.notFound("order \(id) after a conflicting insert") }
                if existing == sha {
                    outcomes.append(.duplicate)
                } else {
                    outcomes.append(.conflict)
                    try await connection.recordEvent(
                        at: now, kind: .orderConflict, order: id, actor: actor,
                        detail: "same id, different content (kept sha256 \(existing.prefix(12)), refused \(sha.prefix(12))) from \(source)",
                        logger: logger)
                }
            }
            return outcomes
        }
    }

    public func order(id: String) async throws -> OrderRecord? {
        try await read("order") { connection, logger in
            guard
                let row = try await connection.query(
                    """
                    SELECT o.id, o.site, o.shipment_id, o.received_at, o.body, s.state
                    FROM orders o LEFT JOIN shipments s ON s.id = o.shipment_id WHERE o.id = \(id)
                    """, logger: logger
                ).collect().first
            else { return nil }
            let (id, site, shipment, receivedAt, body, state) = try row.decode((String, String, String?, Int64, String, String?).self)
            return OrderRecord(id: id, site: site, shipmentID: shipment, state: state ?? "pending", receivedAt: receivedAt, canonicalJSON: body)
        }
    }

    /// Orders accepted but not yet in a shipment, oldest ready first.
    public func pendingOrders(limit: Int) async throws -> [(pending: Consolidation.Pending, site: String, body: String)] {
        try await read("pending orders") { connection, logger in
            var pending: [(pending: Consolidation.Pending, site: String, body: String)] = []
            let rows = try await connection.query(
                """
                SELECT id, consolidation_key, ready_at, site, body FROM orders
                WHERE shipment_id IS NULL ORDER BY ready_at, id LIMIT \(limit)
                """, logger: logger)
            for try await (id, key, readyAt, site, body) in rows.decode((String, String, Int64, String, String).self) {
                pending.append((Consolidation.Pending(orderID: id, key: key, readyAt: readyAt), site, body))
            }
            return pending
        }
    }

    public func pendingOrderCount() async throws -> Int {
        try await read("pending order count") { connection, logger in try await Self.pendingOrderCount(connection, logger) }
    }

    static func pendingOrderCount(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int {
        try await connection.query("SELECT COUNT(*) FROM orders WHERE shipment_id IS NULL", logger: logger).collect().first?
            .decode(Int.self) ?? 0
    }

    /// Records an operator's write in the event log (`shipment` when it named one: a
    /// refused action on it).
    public func audit(kind: EventKind, actor: Actor, shipment: String?, detail: String, now: Int64) async throws {
        try await transaction("audit") { connection, logger in
            try await connection.recordEvent(at: now, kind: kind, shipment: shipment, actor: actor, detail: detail, logger: logger)
        }
    }
}
