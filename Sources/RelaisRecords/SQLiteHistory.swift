import Foundation
import GRDB
import RelaisCore
import RelaisStore

/// The ``RecordHistory`` of a SQLite database, for what-if replays and reports
/// (`relaisctl simulate`, `relaisctl report`).
///
/// - Important: It never writes and never blocks the daemon. The file is opened read-only;
///   each operation reads inside one transaction, a WAL snapshot: the daemon keeps writing
///   meanwhile and the reader sees the database as it was when the read began. It works as
///   well on a copy of `relais.sqlite` with no daemon running. (A long read holds back WAL
///   checkpoints until it ends: the WAL grows meanwhile, and shrinks at the next checkpoint.)
public final class SQLiteHistory: RecordHistory {
    public let path: String
    public var source: String { path }
    let queue: DatabaseQueue

    /// Opens `path` read-only.
    /// - Throws: when the file is missing, is not a Relais database, or was written by a
    ///   version whose schema this one does not know (start that relaisd once to migrate).
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notFound("database at \(path)") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "relais-history"
        configuration.busyMode = .timeout(5)
        self.path = path
        queue = try DatabaseQueue(path: path, configuration: configuration)
        let applied = try queue.read { db in try Schema.migrator.appliedIdentifiers(db) }
        let known = Schema.migrator.migrations
        guard Set(known).isSubset(of: applied) else {
            let missing = known.filter { !applied.contains($0) }
            throw StoreError.refused(
                "\(path) has not been migrated to this version's schema (missing: \(missing.joined(separator: "; "))); "
                    + "start relaisd on it once, or use a newer copy")
        }
    }

    /// Every recorded shipment created in `[from, until)` (milliseconds), in creation order,
    /// in batches of about `batchSize`, all from one snapshot.
    ///
    /// The file is read on the calling thread, synchronously (a local read, which waits for
    /// nothing else of the process; through ``RecordHistory`` the call is `async`); `body`
    /// runs there while the snapshot is open, and may fan work out to other threads but
    /// must return before the next batch is read.
    public func forEachShipment(
        createdFrom from: Int64, until: Int64, batchSize: Int = 4_096, _ body: ([RecordedShipment]) throws -> Void
    ) throws {
        try queue.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.seq, s.id, s.site, s.created_at, s.state, d.chosen_carrier, d.chosen_service, c.price_minor,
                        d.currency, c.co2e_g, d.late, c.lead_days, o.body, d.policy_name, d.policy_sha256
                    FROM shipments s
                    JOIN orders o ON o.shipment_id = s.id
                    LEFT JOIN decisions d ON d.id = s.decision_id
                    LEFT JOIN decision_candidates c
                        ON c.decision_id = s.decision_id AND c.carrier = d.chosen_carrier AND c.service = d.chosen_service
                        AND (d.chosen_origin IS NULL OR c.origin = d.chosen_origin)
                    WHERE s.created_at >= ? AND s.created_at < ?
                    ORDER BY s.seq, o.id
                    """, arguments: [from, until])
            var batch: [RecordedShipment] = []
            batch.reserveCapacity(batchSize)
            var current: RecordedShipment?
            while let row = try cursor.next() {
                let seq: Int64 = row[0]
                if let shipment = current, shipment.seq == seq {
                    current!.orderBodies.append(row[12])
                    continue
                }
                if let shipment = current {
                    batch.append(shipment)
                    if batch.count >= batchSize {
                        try body(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                var recorded: RecordedChoice?
                if let carrier: String = row[5], let service: String = row[6] {
                    let price: Int64? = row[7]
                    recorded = RecordedChoice(
                        key: ServiceKey(carrier: carrier, service: service), price: price.map(Money.init(minorUnits:)),
                        leadDays: row[11], co2eGrams: row[9], late: (row[10] as Bool?) ?? false)
                }
                current = RecordedShipment(
                    seq: seq, id: row[1], site: row[2], createdAt: row[3], state: ShipmentState(rawValue: row[4]) ?? .failed,
                    currency: row[8], recorded: recorded, policyName: row[13], policySHA256: row[14], orderBodies: [row[12]])
            }
            if let shipment = current { batch.append(shipment) }
            if !batch.isEmpty { try body(batch) }
        }
    }
}

