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
    /// Records a batch of orders in one transaction, in one statement for all (and one
    /// more to read the versions of ids already recorded). Two nodes accepting the same id
    /// at once are ordered by the primary key (`ON CONFLICT DO NOTHING`, rows in id order so
    /// that two batches never wait for each other crosswise): one accepts, the other finds
    /// a duplicate or a conflict.
    ///
    /// - Important: An order counts as accepted only when this returns: its transaction
    ///   has committed.
    public func accept(_ orders: [IncomingOrder], source: String, actor: Actor, now: Int64) async throws -> [OrderAcceptance] {
        guard !orders.isEmpty else { return [] }
        let hashed = orders.map { ($0, $0.contentSHA256) }
        // An id repeated inside the batch is judged against the batch's first version.
        var firsts: [String: Int] = [:]
        for (index, (incoming, _)) in hashed.enumerated() where firsts[incoming.order.id] == nil { firsts[incoming.order.id] = index }
        let first = firsts
        let candidates = first.values.sorted { hashed[$0].0.order.id < hashed[$1].0.order.id }.map { hashed[$0] }
        return try await transaction("accept orders") { connection, logger in
            var inserted = Set<String>()
            for try await id in try await connection.query(
                """
                INSERT INTO orders (id, site, content_sha256, body, ready_at, consolidation_key, received_at, source)
                SELECT id, site, content_sha256, body, ready_at, consolidation_key, \(now), \(source)
                FROM unnest(\(candidates.map(\.0.order.id)), \(candidates.map(\.0.order.site)), \(candidates.map(\.1)),
                    \(candidates.map(\.0.canonicalJSON)), \(candidates.map(\.0.order.readyAt)), \(candidates.map(\.0.consolidationKey)))
                    WITH ORDINALITY AS o(id, site, content_sha256, body, ready_at, consolidation_key, position)
                ORDER BY position
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger
            ).decode(String.self) {
                inserted.insert(id)
            }
            var recorded: [String: String] = [:]
            let known = candidates.map(\.0.order.id).filter { !inserted.contains($0) }
            if !known.isEmpty {
                for try await (id, sha) in try await connection.query(
                    "SELECT id, content_sha256 FROM orders WHERE id = ANY(\(known))", logger: logger
                ).decode((String, String).self) {
                    recorded[id] = sha
                }
            }
            var outcomes: [OrderAcceptance] = []
            outcomes.reserveCapacity(hashed.count)
            var conflicts: [EventRow] = []
            for (index, (incoming, sha)) in hashed.enumerated() {
                let id = incoming.order.id
                if inserted.contains(id) && first[id] == index {
                    outcomes.append(.accepted)
                    continue
                }
                guard let existing = inserted.contains(id) ? first[id].map({ hashed[$0].1 }) : recorded[id] else {
                    throw StoreError.notFound("order \(id) after a conflicting insert")
                }
                if existing == sha {
                    outcomes.append(.duplicate)
                } else {
                    outcomes.append(.conflict)
                    conflicts.append(
                        EventRow(
                            at: now, kind: .orderConflict, order: id, actor: actor,
                            detail: "same id, different content (kept sha256 \(existing.prefix(12)), refused \(sha.prefix(12))) from \(source)"))
                }
            }
            try await connection.recordEvents(conflicts, logger: logger)
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
