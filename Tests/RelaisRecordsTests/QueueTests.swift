import RelaisTesting
import Foundation
import GRDB
import RelaisStore
import Testing
@testable import RelaisCore
@testable import RelaisRecords

@Suite struct QueueTests {
    /// Three queued shipments from the aggregation stage.
    func queued(_ store: RecordStore) async throws -> [String] {
        let orders = (1...3).map { Orders.incoming(Orders.json(id: "Q-\($0)", name: "Client \($0)")) }
        _ = try await store.accept(orders, source: "test", now: Orders.readyMillis)
        return try await AggregationStageTests.stage(store).runOnce(now: Orders.readyMillis).created
    }

    @Test func claimsMoveABatchToBookingInOneStatement() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let ids = try await queued(store)
        let claimed = try await store.claim(limit: 2, now: Orders.readyMillis + 1)
        #expect(claimed.map(\.id) == Array(ids.prefix(2)))
        #expect(claimed.allSatisfy { $0.attempts == 1 && $0.carrier == "dpd" })
        #expect(try await store.queueCounts()[.booking] == 2)
        #expect(try await store.queueCounts()[.queued] == 1)
        // Claimed shipments are not claimed twice.
        #expect(try await store.claim(limit: 10, now: Orders.readyMillis + 2).map(\.id) == [ids[2]])
        #expect(try await store.claim(limit: 10, now: Orders.readyMillis + 3).isEmpty)
    }

    @Test func claimsPerCarrierAndForCarriersOutsideThePanel() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let ids = try await queued(store)  // all three on dpd
        let t = Orders.readyMillis + 1
        // dpd is named with nothing to claim: "others" does not take its shipments.
        #expect(try await store.claim(limits: ["dpd": 0, "colissimo": 5], othersLimit: 5, now: t.instant).isEmpty)
        #expect(try await store.claim(limits: ["dpd": 1], othersLimit: 0, now: t.instant).map(\.id) == [ids[0]])
        // dpd left the panel: its shipments come through "others", at most othersLimit.
        let others = try await store.claim(limits: ["colissimo": 5], othersLimit: 1, now: t.instant)
        #expect(others.map(\.id) == [ids[1]] && others.allSatisfy { $0.carrier == "dpd" })
        #expect(try await store.claim(limits: [:], othersLimit: 5, now: t.instant).map(\.id) == [ids[2]])
        #expect(try await store.queueCounts()[.booking] == 3)
    }

    @Test func carriersOutsideThePanelShareTheirLimitAndPanelCarriersBetweenThemAreSkipped() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        var ids = try await queued(store)
        let more = (4...6).map { Orders.incoming(Orders.json(id: "Q-\($0)", name: "Client \($0)")) }
        _ = try await store.accept(more, source: "test", now: Orders.readyMillis)
        ids += try await AggregationStageTests.stage(store).runOnce(now: Orders.readyMillis).created
        // Carriers in index order: alpha (outside), dpd (panel), zulu (outside).
        try await store.pool.write { [ids] db in
            for (id, carrier) in zip(ids, ["alpha", "dpd", "zulu", "alpha", "dpd", "zulu"]) {
                try db.execute(sql: "UPDATE shipments SET carrier = ? WHERE id = ?", arguments: [carrier, id])
            }
        }
        let t = Orders.readyMillis + 1
        let first = try await store.claim(limits: ["dpd": 0], othersLimit: 3, now: t.instant)
        #expect(first.compactMap(\.carrier) == ["alpha", "alpha", "zulu"])
        let second = try await store.claim(limits: ["dpd": 0], othersLimit: 3, now: t.instant)
        #expect(second.compactMap(\.carrier) == ["zulu"])
        #expect(try await store.claim(limits: ["dpd": 0], othersLimit: 3, now: t.instant).isEmpty)
        #expect(try await store.claim(limits: ["dpd": 5], othersLimit: 0, now: t.instant).count == 2)
    }

    @Test func deferredShipmentsWaitForTheirTime() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let id = try await queued(store)[0]
        let t = Orders.readyMillis
        _ = try await store.claim(limit: 1, now: t + 10)
        try await store.apply(.transientFailure, to: id, actor: .booking, now: t + 20, nextAttemptAt: t + 60_000, detail: "HTTP 503")
        #expect(try await store.claim(limit: 5, now: t + 59_999).map(\.id).contains(id) == false)
        #expect(try await store.claim(limit: 5, now: t + 60_000).map(\.id).contains(id))
    }

    @Test func startUpTurnsInterruptedBookingsUncertain() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let ids = try await queued(temporary.store)
        _ = try await temporary.store.claim(limit: 2, now: Orders.readyMillis + 10)
        // A new process opens the same database after a crash.
        let reopened = try RecordStore(path: temporary.path)
        #expect(try await reopened.recoverInterruptedBookings(now: 20) == Array(ids.prefix(2)))
        let counts = try await reopened.queueCounts()
        #expect(counts[.uncertain] == 2)
        #expect(counts[.booking] == 0)
        // An uncertain shipment is never claimed.
        #expect(try await reopened.claim(limit: 10, now: Orders.readyMillis + 30).map(\.id) == [ids[2]])
        #expect(try await reopened.events(shipment: ids[0]).last?.kind.name == "shipment.uncertain")
    }

    @Test func operatorActionsFollowTheLifecycleAndAreAudited() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let id = try await queued(store)[0]
        #expect(try await store.apply(.hold, to: id, actor: .operator(uid: 1000), now: 5) == .held)
        await #expect(throws: StoreError.self) { try await store.apply(.retry, to: id, actor: .operator(uid: 1000), now: 6) }
        #expect(try await store.apply(.release, to: id, actor: .operator(uid: 0), now: 7) == .queued)
        let events = try await store.events(shipment: id)
        #expect(events.map(\.kind.name) == ["shipment.created", "shipment.hold", "shipment.release"])
        #expect(events[1].uid == 1000)
        #expect(events[1].actor == "operator")
        #expect(events[1].detail == "queued → held")
        do {
            try await store.apply(.fail, to: "S-404", actor: .operator(uid: 0), now: 8)
            Issue.record("no error")
        } catch let error as StoreError {
            #expect(error.isNotFound)
        }
        let counts = try await store.queueCounts()
        #expect(counts.values.reduce(0, +) == 3)
    }

    /// Status counts are read again after every commit of the store's writer, whatever wrote
    /// it (a store call, a raw statement outside a transaction), and only then: a change
    /// made behind the writer's back shows once the writer commits next.
    @Test func statusCountsFollowEveryCommit() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        #expect(try await store.statusCounts().pendingOrders == 0)
        let orders = (1...3).map { Orders.incoming(Orders.json(id: "C-\($0)", name: "Client \($0)")) }
        _ = try await store.accept(orders, source: "test", now: Orders.readyMillis)
        #expect(try await store.statusCounts().pendingOrders == 3)
        let ids = try await AggregationStageTests.stage(store).runOnce(now: Orders.readyMillis).created
        var counts = try await store.statusCounts()
        #expect(counts.pendingOrders == 0 && counts.queue[.queued] == ids.count)
        _ = try await store.claim(limit: 1, now: Orders.readyMillis + 1)
        #expect(try await store.statusCounts().queue[.booking] == 1)
        // An implicit transaction (no BEGIN) is a commit too.
        try await store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE shipments SET state = 'held' WHERE state = 'booking'")
        }
        counts = try await store.statusCounts()
        #expect(counts.queue[.held] == 1 && counts.queue[.booking] == 0)
        // Another connection's commit is not the writer's: the counts stay those of the
        // writer's latest commit until it commits again.
        let other = try DatabaseQueue(path: store.path)
        try await other.write { db in try db.execute(sql: "UPDATE shipments SET state = 'failed' WHERE state = 'held'") }
        #expect(try await store.statusCounts().queue[.held] == 1)
        try await store.pool.write { db in try db.execute(sql: "UPDATE shipments SET updated_at = updated_at + 1") }
        counts = try await store.statusCounts()
        #expect(counts.queue[.held] == 0 && counts.queue[.failed] == 1)
    }

    /// Allocation counts come from the quarter-hour counts the triggers keep, and are what
    /// counting the shipments gives, for any window, aligned or not, whatever changed:
    /// failures, holds, a failover to another carrier, a shipment moved in time or to another
    /// site, one left without a carrier.
    @Test func allocationCountsAreTheShipmentsCounted() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let orders = (1...12).map { Orders.incoming(Orders.json(id: "L-\($0)", name: "Client \($0)")) }
        _ = try await store.accept(orders, source: "test", now: Orders.readyMillis)
        let ids = try await AggregationStageTests.stage(store).runOnce(now: Orders.readyMillis).created
        #expect(ids.count == 12)
        let t = Orders.readyMillis
        try await store.pool.write { [ids] db in
            let changes: [(String, [DatabaseValueConvertible?])] = [
                ("UPDATE shipments SET state = 'failed' WHERE id = ?", [ids[0]]),
                ("UPDATE shipments SET state = 'held' WHERE id = ?", [ids[1]]),
                ("UPDATE shipments SET carrier = 'colissimo' WHERE id = ?", [ids[2]]),
                ("UPDATE shipments SET created_at = ? WHERE id = ?", [t - 3_600_000 - 1, ids[3]]),
                ("UPDATE shipments SET created_at = ? WHERE id = ?", [t + 899_999, ids[4]]),
                ("UPDATE shipments SET created_at = ?, carrier = 'velocite' WHERE id = ?", [t + 7_200_123, ids[5]]),
                ("UPDATE shipments SET state = 'queued' WHERE id = ?", [ids[0]]),  // counted again
                ("UPDATE shipments SET site = 'paris-store' WHERE id = ?", [ids[6]]),
                ("UPDATE shipments SET carrier = NULL WHERE id = ?", [ids[7]]),
            ]
            for (sql, arguments) in changes { try db.execute(sql: sql, arguments: StatementArguments(arguments)) }
        }
        func scanned(_ site: String, _ from: Int64, _ until: Int64) async throws -> [String: Int] {
            try await store.pool.read { db in
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT carrier, COUNT(*) FROM shipments WHERE site = ? AND created_at >= ? AND created_at < ?
                            AND carrier IS NOT NULL AND state NOT IN ('failed', 'held') GROUP BY carrier
                        """, arguments: [site, from, until])
                { counts[row[0]] = row[1] }
                return counts
            }
        }
        let edges: [Int64] = [
            t - 86_400_000, t - 3_600_000 - 1, t - 3_600_000, t - 1, t, t + 1, t + 899_999, t + 900_000, t + 7_200_123, t + 86_400_000,
        ]
        for site in ["lyon-dc", "paris-store"] {
            for from in edges {
                for until in edges where until >= from {
                    let counts = try await store.allocationCounts(site: site, from: from, until: until)
                    let expected = try await scanned(site, from, until)
                    #expect(counts.perCarrier == expected, "\(site) [\(from - t), \(until - t))")
                    #expect(counts.total == expected.values.reduce(0, +))
                }
            }
        }
        // The triggers keep what the migration's backfill would write.
        let (kept, recounted) = try await store.pool.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT site, bucket, carrier, n FROM allocation_counts WHERE n <> 0 ORDER BY 1, 2, 3")
                    .map { "\($0[0] as String) \($0[1] as Int64) \($0[2] as String) \($0[3] as Int)" },
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT site, created_at / 900000, carrier, COUNT(*) FROM shipments
                        WHERE carrier IS NOT NULL AND state NOT IN ('failed', 'held') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                        """
                ).map { "\($0[0] as String) \($0[1] as Int64) \($0[2] as String) \($0[3] as Int)" }
            )
        }
        #expect(kept == recounted && !kept.isEmpty)
    }
}
