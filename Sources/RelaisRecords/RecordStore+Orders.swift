import Crypto
import Foundation
import GRDB
import RelaisCore
import RelaisStore

extension IncomingOrder {
    /// The canonical JSON's SHA-256, hex: what idempotency compares.
    var contentSHA256: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(canonicalJSON.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

extension RecordStore {
    /// Records a batch of orders in one transaction: one fsync for the batch.
    ///
    /// - Important: An order counts as accepted only when this returns: its transaction is
    ///   durable (synchronous=FULL). Callers acknowledge (move the spool file to `done/`,
    ///   answer the API call) only after.
    /// - Parameters:
    ///   - source: where the orders came from, for the record (`spool:<file>`, `api`).
    ///   - now: milliseconds since the Unix epoch.
    /// - Returns: one outcome per order, in order.
    public func accept(_ orders: [IncomingOrder], source: String, actor: Actor = .intake, now: Int64) async throws
        -> [OrderAcceptance]
    {
        let hashed = orders.map { ($0, $0.contentSHA256) }
        return try await pool.write { db in
            var outcomes: [OrderAcceptance] = []
            outcomes.reserveCapacity(hashed.count)
            let lookup = try db.cachedStatement(sql: "SELECT content_sha256 FROM orders WHERE id = ?")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO orders (id, site, content_sha256, body, ready_at, consolidation_key, received_at, source)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // An id repeated inside the batch is judged against the batch's first version.
            var seen: [String: String] = [:]
            for (incoming, sha) in hashed {
                let id = incoming.order.id
                let existing = try seen[id] ?? String.fetchOne(lookup, arguments: [id])
                if let existing {
                    if existing == sha {
                        outcomes.append(.duplicate)
                    } else {
                        outcomes.append(.conflict)
                        try db.recordEvent(
                            at: now, kind: .orderConflict, order: id, actor: actor,
                            detail: "same id, different content (kept sha256 \(existing.prefix(12)), refused \(sha.prefix(12))) from \(source)")
                    }
                    continue
                }
                try insert.execute(arguments: [
                    id, incoming.order.site, sha, incoming.canonicalJSON, incoming.order.readyAt, incoming.consolidationKey, now, source,
                ])
                seen[id] = sha
                outcomes.append(.accepted)
            }
            return outcomes
        }
    }

    public func order(id: String) async throws -> OrderRecord? {
        try await quickRead { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT o.id, o.site, o.shipment_id, o.received_at, o.body, s.state
                            FROM orders o LEFT JOIN shipments s ON s.id = o.shipment_id WHERE o.id = ?
                            """), arguments: [id])
            else { return nil }
            let shipment: String? = row["shipment_id"]
            return OrderRecord(
                id: row["id"], site: row["site"], shipmentID: shipment, state: row["state"] ?? "pending",
                receivedAt: row["received_at"], canonicalJSON: row["body"])
        }
    }

    /// Orders accepted but not yet in a shipment, oldest ready first.
    public func pendingOrders(limit: Int = 10_000) async throws -> [(pending: Consolidation.Pending, site: String, body: String)] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, consolidation_key, ready_at, site, body FROM orders
                        WHERE shipment_id IS NULL ORDER BY ready_at, id LIMIT ?
                        """), arguments: [limit]
            ).map { row in
                (Consolidation.Pending(orderID: row["id"], key: row["consolidation_key"], readyAt: row["ready_at"]), row["site"], row["body"])
            }
        }
    }

    /// How many orders the database holds.
    public func orderCount() async throws -> Int {
        try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM orders") ?? 0 }
    }
}
