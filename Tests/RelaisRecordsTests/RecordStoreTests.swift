import Foundation
import RelaisStore
import GRDB
import Testing
@testable import RelaisCore
@testable import RelaisRecords

@Suite struct RecordStoreTests {
    @Test func opensDurablyAndMigrates() throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        #expect(try temporary.store.synchronousLevel() == 2)
        #expect(
            try temporary.store.appliedMigrations() == [
                "v1: orders, shipments, decisions, attempts, events", "v2: carrier prices, attempt details, reconciliation times",
                "v3: emissions inputs, breaker openings, booking times",
                "v4: claims with a node and a lease, id sequences",
                "v5: origins and requested services",
                "v6: the outbox: events for the shop and their deliveries per endpoint",
                "v7: tracking: polls, carrier events, normalised status",
                "v8: cancelled shipments, cancel intents, manifests, returns",
                "v9: allocation counts per site, quarter-hour and carrier",
            ])
        // Reopening an existing database applies nothing twice and keeps FULL.
        let again = try RecordStore(path: temporary.path)
        #expect(try again.appliedMigrations().count == Schema.migrator.migrations.count)
        #expect(try again.synchronousLevel() == 2)
        let journal = try again.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    /// A statement that fires a trigger inside a transaction journals every page it
    /// touches; past 64 KiB SQLite spills that journal to a temporary file, which cost
    /// booking 90 KB of writes per shipment. The writer keeps it in memory.
    @Test func statementJournalsStayInMemory() throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        #expect(try temporary.store.writerPragma("temp_store") == 2)
        let spilled = try temporary.store.pool.write { db -> [String] in
            try db.execute(sql: "CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            try db.execute(sql: "CREATE TABLE scratch_counts (n INTEGER NOT NULL)")
            try db.execute(sql: "INSERT INTO scratch_counts VALUES (0)")
            try db.execute(sql: "CREATE TRIGGER scratch_changed AFTER UPDATE ON scratch BEGIN UPDATE scratch_counts SET n = n + 1; END")
            let body = String(repeating: "x", count: 200)
            for id in 0..<2_000 { try db.execute(sql: "INSERT INTO scratch VALUES (?, ?)", arguments: [id, body]) }
            // About 100 pages, each journaled before the update changes it.
            try db.execute(sql: "UPDATE scratch SET body = body || 'y'")
            // SQLite's temporary files are unlinked at once, and open until the transaction ends.
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
                .filter { $0.contains("etilqs_") }
        }
        #expect(spilled.isEmpty, "statement journal on disk: \(spilled)")
    }

    @Test func aVersion6DatabasesBookedShipmentsAreTrackedAfterMigrating() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-v6-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("relais.sqlite").path
        do {
            let old = try DatabasePool(path: path)
            try Schema.migrator.migrate(old, upTo: "v6: the outbox: events for the shop and their deliveries per endpoint")
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, carrier, service,
                            tracking_number, booked_at)
                        VALUES ('S-1', 1, 'booked', 'lyon-dc', 'k', 1, 5000, 'dpd', 'PREDICT', '09981234567890', 5000),
                            ('S-2', 2, 'queued', 'lyon-dc', 'k', 1, 1, 'dpd', 'PREDICT', NULL, NULL)
                        """)
            }
        }
        let store = try RecordStore(path: path)
        let due = try await store.dueTracking(carrier: "dpd", now: Instant(millisecondsSinceEpoch: 5000), limit: 10)
        #expect(due.map(\.shipmentID) == ["S-1"])
        #expect(due.first?.trackingNumber == "09981234567890" && due.first?.bookedAt == Instant(millisecondsSinceEpoch: 5000))
        #expect(try await store.trackingCounts().byStatus == ["none": 1])
    }

    @Test func aVersion1DatabaseIsMigratedWithItsRowsIntact() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("relais.sqlite").path
        do {
            let old = try DatabasePool(path: path)
            try Schema.migrator.migrate(old, upTo: "v1: orders, shipments, decisions, attempts, events")
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, carrier, service)
                        VALUES ('S-1', 1, 'queued', 'lyon-dc', 'k', 1, 1, 'dpd', 'PREDICT')
                        """)
                try db.execute(
                    sql: """
                        INSERT INTO orders (id, site, content_sha256, body, ready_at, consolidation_key, received_at, source, shipment_id)
                        VALUES ('A-1', 'lyon-dc', 'x', '{"id":"A-1","parcels":[{"weight_kg":1.5},{"weight_kg":2.25}]}', 1, 'k', 1, 'test', 'S-1')
                        """)
            }
        }
        let store = try RecordStore(path: path)
        #expect(try store.appliedMigrations().count == Schema.migrator.migrations.count)
        let shipment = try #require(try await store.shipment(id: "S-1"))
        #expect(shipment.state == .queued && shipment.carrier == "dpd")
        #expect(try await store.queueCounts()[.queued] == 1)
        let price = try await store.pool.read { try Int64.fetchOne($0, sql: "SELECT carrier_price_minor FROM shipments") }
        #expect(price == nil)
        // v3 filled in parcels and weight from the orders, for the emissions report.
        let filled = try store.pool.read { try Row.fetchOne($0, sql: "SELECT parcels, weight_kg FROM shipments") }
        #expect(filled?["parcels"] == 2)
        #expect(filled?["weight_kg"] == 3.75)
        // v4: the id sequence continues after the highest id given, so S-1 is never given again.
        let last = try await store.pool.read { try Int64.fetchOne($0, sql: "SELECT last FROM sequences WHERE name = 'shipment'") }
        #expect(last == 1)
    }

    @Test func ordersAreIdempotentByIdAndContent() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let first = Orders.incoming(Orders.json(id: "A-1"))
        #expect(try await store.accept([first], source: "test", now: 1) == [.accepted])
        // The same content with other formatting and key order: a no-op.
        let reformatted = Orders.incoming(Orders.json(id: "A-1").replacingOccurrences(of: ", ", with: ",\n  "))
        #expect(try await store.accept([reformatted], source: "test", now: 2) == [.duplicate])
        // Different content under the same id: refused, the first version stays.
        let changed = Orders.incoming(Orders.json(id: "A-1", weight: 9))
        #expect(try await store.accept([changed], source: "test", now: 3) == [.conflict])
        let record = try #require(try await store.order(id: "A-1"))
        #expect(record.canonicalJSON == first.canonicalJSON)
        #expect(record.state == "pending")
        let events = try await store.events(order: "A-1")
        #expect(events.map(\.kind.name) == ["order.conflict"])
        // Inside one batch too.
        let batch = [Orders.incoming(Orders.json(id: "B-1")), Orders.incoming(Orders.json(id: "B-1", weight: 2)), Orders.incoming(Orders.json(id: "B-1"))]
        #expect(try await store.accept(batch, source: "test", now: 4) == [.accepted, .conflict, .duplicate])
        #expect(try await store.orderCount() == 2)
    }

    @Test func theEventLogIsAppendOnly() throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        try temporary.store.pool.write { db in
            try db.recordEvent(at: 1, kind: .reload, actor: .intake, detail: "x")
        }
        #expect(throws: DatabaseError.self) {
            try temporary.store.pool.write { try $0.execute(sql: "UPDATE events SET detail = 'y'") }
        }
        #expect(throws: DatabaseError.self) {
            try temporary.store.pool.write { try $0.execute(sql: "DELETE FROM events") }
        }
    }
}
