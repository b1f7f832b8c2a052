import Foundation
import GRDB
import RelaisCore
@testable import RelaisRecords
import RelaisStore
import Testing

/// Migration v8 (cancelled shipments, cancel intents, manifests) on a database that an
/// older version wrote: its shipments, orders, counts, indexes and triggers keep working.
struct CancelMigrationTests {
    static let v6 = "v6: the outbox: events for the shop and their deliveries per endpoint"

    /// A database as version v6 left it: a booked shipment with its order, a held one.
    static func olderDatabase(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: v6)
        try queue.write { db in
            for (id, seq, state, tracking) in [("S-1", 1, "booked", "XR000000001FR"), ("S-2", 2, "held", nil)] {
                try db.execute(
                    sql: """
                        INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, carrier, service,
                            tracking_number, claimed_by, lease_until, parcels, weight_kg)
                        VALUES (?, ?, ?, 'lyon-dc', ?, 1, 1, 'chronopost', '13', ?, 'node-a', 5, 1, 1.2)
                        """, arguments: [id, seq, state, "k-\(id)", tracking])
                try db.execute(
                    sql: """
                        INSERT INTO orders (id, site, content_sha256, body, ready_at, consolidation_key, received_at, source, shipment_id)
                        VALUES (?, 'lyon-dc', 'x', '{}', 1, ?, 1, 'test', ?)
                        """, arguments: ["o-\(id)", "k-\(id)", id])
            }
            try db.execute(sql: "UPDATE sequences SET last = 2 WHERE name = 'shipment'")
        }
    }

    @Test func anOlderDatabaseKeepsItsShipmentsAndGainsTheCancelledState() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-v8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("relais.sqlite").path
        try Self.olderDatabase(at: path)

        let store = try RecordStore(path: path)

        let booked = try #require(try await store.shipment(id: "S-1"))
        #expect(booked.state == .booked && booked.trackingNumber == "XR000000001FR" && booked.orderIDs == ["o-S-1"])
        var counts = try await store.queueCounts()
        #expect(counts[.booked] == 1 && counts[.held] == 1 && counts[.cancelled] == 0)
        try await store.pool.read { db in
            // Every index and trigger of the table survived the rebuild, the columns in order.
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'shipments' AND sql IS NOT NULL")
            for name in [
                "shipments_due", "shipments_carrier", "shipments_site_day", "shipments_carrier_due", "shipments_uncertain",
                "shipments_booked", "shipments_claims", "shipments_count_insert", "shipments_count_update", "shipments_count_delete",
                "shipments_manifest", "shipments_unmanifested",
            ] {
                #expect(names.contains(name), "\(name) lost")
            }
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "SELECT claimed_by FROM shipments WHERE id = 'S-1'") == "node-a")
        }

        // The new state works, counted by the carried-over triggers, and a new id follows the old ones.
        #expect(try await store.beginCancel("S-2", actor: .operator(uid: 0), now: Instant(millisecondsSinceEpoch: 10)) == .cancelled)
        counts = try await store.queueCounts()
        #expect(counts[.held] == 0 && counts[.cancelled] == 1)
        #expect(try await store.shipment(id: "S-2")?.state == .cancelled)
        guard case .callCarrier(let job) = try await store.beginCancel("S-1", actor: .operator(uid: 0), now: Instant(millisecondsSinceEpoch: 10))
        else {
            Issue.record("a booked shipment was not sent to its carrier")
            return
        }
        #expect(job == CancelJob(shipmentID: "S-1", carrier: "chronopost", trackingNumber: "XR000000001FR", attempts: 0, retrying: false))

        // Opening it again migrates nothing twice.
        let again = try RecordStore(path: path)
        #expect(try await again.queueCounts()[.cancelled] == 1)
    }

    @Test func aBookedShipmentOnAClosedManifestIsRefused() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        try await temporary.store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO manifests (id, carrier, site, pickup_date, state, started_at, closed_at)
                    VALUES ('M-1', 'chronopost', 'lyon-dc', '2026-11-30', 'closed', 1, 2)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, carrier, tracking_number, manifest_id)
                    VALUES ('S-9', 9, 'booked', 'lyon-dc', 'k', 1, 1, 'chronopost', 'XR1', 'M-1')
                    """)
        }
        await #expect {
            try await temporary.store.beginCancel("S-9", actor: .operator(uid: 0), now: Instant(millisecondsSinceEpoch: 10))
        } throws: { error in
            (error as? StoreError)?.isRefused == true && "\(error)".contains("closed manifest M-1")
        }
        #expect(try await temporary.store.shipment(id: "S-9")?.state == .booked)
    }
}
