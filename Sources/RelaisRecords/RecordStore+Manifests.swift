import Foundation
import GRDB
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// End-of-day manifests (SPEC §14) on SQLite.
extension RecordStore: ManifestLedger {
    public func unmanifested() async throws -> [UnmanifestedGroup] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.carrier, s.site, COUNT(*) AS n,
                        (SELECT MAX(m.pickup_date) FROM manifests m WHERE m.carrier = s.carrier AND m.site = s.site) AS last
                    FROM shipments s INDEXED BY shipments_unmanifested
                    WHERE s.state = 'booked' AND s.manifest_id IS NULL AND s.carrier IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM cancel_requests c WHERE c.shipment_id = s.id)
                    GROUP BY s.carrier, s.site ORDER BY s.carrier, s.site
                    """
            ).map { row in
                UnmanifestedGroup(
                    carrier: row["carrier"], site: row["site"], shipments: row["n"], lastClosed: (row["last"] as String?).flatMap(CivilDate.init))
            }
        }
    }

    public func lastManifestDate(carrier: String, site: String) async throws -> CivilDate? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT MAX(pickup_date) FROM manifests WHERE carrier = ? AND site = ?", arguments: [carrier, site])
                .flatMap(CivilDate.init)
        }
    }

    public func beginManifest(carrier: String, site: String, pickupDate: CivilDate, now: Instant) async throws -> ManifestRecord {
        try await pool.write { db in
            if let closing = try String.fetchOne(
                db, sql: "SELECT id FROM manifests WHERE carrier = ? AND site = ? AND state = 'closing'", arguments: [carrier, site])
            {
                return try Self.manifest(db, id: closing)
            }
            let id = ManifestRecord.id(carrier: carrier, site: site, pickupDate: pickupDate)
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM manifests WHERE id = ?", arguments: [id]) == true {
                throw StoreError.refused("\(carrier) at \(site) is already closed for \(pickupDate) (\(id)): later bookings go on the next pickup date's manifest")
            }
            try db.execute(
                sql: "INSERT INTO manifests (id, carrier, site, pickup_date, state, started_at) VALUES (?, ?, ?, ?, 'closing', ?)",
                arguments: [id, carrier, site, pickupDate.description, now.millisecondsSinceEpoch])
            try db.execute(
                sql: """
                    UPDATE shipments SET manifest_id = ?
                    WHERE id IN (
                        SELECT s.id FROM shipments s INDEXED BY shipments_unmanifested
                        WHERE s.carrier = ? AND s.site = ? AND s.state = 'booked' AND s.manifest_id IS NULL
                            AND NOT EXISTS (SELECT 1 FROM cancel_requests c WHERE c.shipment_id = s.id))
                    """, arguments: [id, carrier, site])
            let count = db.changesCount
            guard count > 0 else { throw StoreError.refused("no booked shipment of \(carrier) at \(site) waits for a manifest") }
            try db.execute(sql: "UPDATE manifests SET shipments = ? WHERE id = ?", arguments: [count, id])
            try db.recordEvent(
                at: now.millisecondsSinceEpoch, kind: .manifestClosing, carrier: carrier, actor: .manifests,
                detail: "\(id): \(count) shipments for \(pickupDate)")
            return try Self.manifest(db, id: id)
        }
    }

    public func finishManifest(_ id: String, csvPath: String, documentPath: String?, carrierReference: String?, now: Instant) async throws
        -> ManifestRecord
    {
        let millis = now.millisecondsSinceEpoch
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE manifests SET state = 'closed', closed_at = ?, csv_path = ?, document_path = ?, carrier_reference = ?
                    WHERE id = ? AND state = 'closing'
                    """, arguments: [millis, csvPath, documentPath, carrierReference, id])
            guard db.changesCount == 1 else { throw StoreError.refused("manifest \(id) is not closing") }
            let record = try Self.manifest(db, id: id)
            try db.recordEvent(
                at: millis, kind: .manifestClosed, carrier: record.carrier, actor: .manifests,
                detail: "\(id): \(record.lines.count) shipments for \(record.pickupDate)\(carrierReference.map { ", carrier number \($0)" } ?? "")")
            try db.writeOutboxEvent(.manifestClosed, data: ManifestReply(record), now: millis)
            return record
        }
    }

    public func closingManifests() async throws -> [ManifestRecord] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM manifests WHERE state = 'closing' ORDER BY started_at").map { try Self.manifest(db, id: $0) }
        }
    }

    /// On the control thread (``quickRead(_:)``) when the manifests listed hold at most
    /// ``shortPage`` shipments between them (a day's few manifests early on, or none, as a
    /// monitoring agent polling all day mostly sees); on GRDB's readers otherwise, so that
    /// a list of thousands of lines never holds the thread every other request needs.
    public func manifests(pickupDate: CivilDate?, limit: Int) async throws -> [ManifestRecord] {
        let bound = max(1, min(limit, 1000))
        let short = try await quickRead { db -> [ManifestRecord]? in
            let listed = try Self.manifestIDs(db, pickupDate: pickupDate, limit: bound)
            guard listed.reduce(0, { $0 + $1.shipments }) <= Self.shortPage else { return nil }
            return try listed.map { try Self.manifest(db, id: $0.id) }
        }
        if let short { return short }
        return try await pool.read { db in
            try Self.manifestIDs(db, pickupDate: pickupDate, limit: bound).map { try Self.manifest(db, id: $0.id) }
        }
    }

    /// The manifests a list shows, newest first, with how many shipments each holds.
    private static func manifestIDs(_ db: Database, pickupDate: CivilDate?, limit: Int) throws -> [(id: String, shipments: Int)] {
        let rows: [Row]
        if let pickupDate {
            rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT id, shipments FROM manifests WHERE pickup_date = ? ORDER BY started_at DESC LIMIT ?"),
                arguments: [pickupDate.description, limit])
        } else {
            rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, shipments FROM manifests ORDER BY started_at DESC LIMIT ?"),
                arguments: [limit])
        }
        return rows.map { (id: $0["id"], shipments: $0["shipments"]) }
    }

    static func manifest(_ db: Database, id: String) throws -> ManifestRecord {
        // Cached: a list may be read on the control thread (``manifests(pickupDate:limit:)``).
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM manifests WHERE id = ?"), arguments: [id]) else {
            throw StoreError.notFound("manifest \(id)")
        }
        var orders: [String: [String]] = [:]
        for order in try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT o.shipment_id, o.id FROM orders o JOIN shipments s ON s.id = o.shipment_id WHERE s.manifest_id = ? ORDER BY o.id"),
            arguments: [id])
        {
            orders[order["shipment_id"], default: []].append(order["id"])
        }
        let lines = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, tracking_number, service, parcels, weight_kg FROM shipments WHERE manifest_id = ? ORDER BY seq"),
            arguments: [id]
        ).map { line in
            ManifestLine(
                shipmentID: line["id"], trackingNumber: line["tracking_number"] ?? "", service: line["service"] ?? "",
                parcels: line["parcels"] ?? 1, weightKg: line["weight_kg"] ?? 0, orderIDs: orders[line["id"]] ?? [])
        }
        let closedAt: Int64? = row["closed_at"]
        return ManifestRecord(
            id: id, carrier: row["carrier"], site: row["site"], pickupDate: CivilDate(row["pickup_date"] as String) ?? CivilDate(dayNumber: 0),
            state: row["state"], startedAt: Instant(millisecondsSinceEpoch: row["started_at"]),
            closedAt: closedAt.map(Instant.init(millisecondsSinceEpoch:)), lines: lines, csvPath: row["csv_path"],
            documentPath: row["document_path"], carrierReference: row["carrier_reference"])
    }
}
