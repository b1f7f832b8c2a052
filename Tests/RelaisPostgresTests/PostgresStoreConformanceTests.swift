import Foundation
import Logging
import Synchronization
import PostgresNIO
import RelaisCore
import RelaisOrders
@testable import RelaisPostgres
import RelaisStore
import RelaisTesting
import Testing

@testable import RelaisAggregation
@testable import RelaisConfig

/// The store conformance suite (RelaisTesting) against a real PostgreSQL server: the same
/// checks the SQLite store passes. Each check gets a schema of its own; its "nodes" are
/// stores on that one schema. Without a server (`RELAIS_TEST_POSTGRES_URL` unset) the
/// suite is skipped: `scripts/with-postgres.sh swift test …` starts one.
@Suite(.enabled(if: TestDatabase.url != nil, "RELAIS_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh"))
struct PostgresStoreConformanceTests {
    @Test(arguments: StoreConformance.all)
    func postgres(_ check: StoreConformance.Check) async throws {
        try await TestDatabase.withSchema { client in
            let fixture = StoreConformance(
                makeStore: { node, lease in
                    let store = PostgresStore(client: client, node: node, lease: lease, deadline: TestDatabase.deadline)
                    try await store.migrate()
                    return store
                },
                makeOrders: { ids in
                    ids.enumerated().map { index, id in Fixtures.incoming(Fixtures.json(id: id, name: "Client \(index)", street: "\(index) rue \(id)")) }
                },
                decide: { store, now in try await Fixtures.stage(store).runOnce(now: now).created },
                now: Fixtures.readyMillis)
            try await check.run(fixture)
        }
    }
}

/// What only a shared database shows: nodes racing for the same rows, the log's triggers.
@Suite(.enabled(if: TestDatabase.url != nil, "RELAIS_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh"))
struct PostgresStoreTests {
    @Test func migrationsRunOnceWhenNodesStartTogether() async throws {
        try await TestDatabase.withSchema { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in ["a", "b", "c"] {
                    group.addTask { try await PostgresStore(client: client, node: node, deadline: TestDatabase.deadline).migrate() }
                }
                try await group.waitForAll()
            }
            let store = PostgresStore(client: client, node: "a", deadline: TestDatabase.deadline)
            try await store.migrate()
            #expect(try await store.appliedMigrations().count == PostgresSchema.migrations.count)
        }
    }

    @Test func twoNodesClaimingAtOnceNeverShareAShipment() async throws {
        try await TestDatabase.withSchema { client in
            let a = PostgresStore(client: client, node: "node-a", deadline: TestDatabase.deadline)
            let b = PostgresStore(client: client, node: "node-b", deadline: TestDatabase.deadline)
            try await a.migrate()
            let ids = (1...40).map { "P-\($0)" }
            _ = try await a.accept(ids.enumerated().map { Fixtures.incoming(Fixtures.json(id: $1, name: "C \($0)", street: "\($0) rue")) },
                source: "test", now: Fixtures.readyMillis)
            let created = try await Fixtures.stage(a).runOnce(now: Fixtures.readyMillis).created
            #expect(created.count == 40)
            let now = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1)
            let claims = try await withThrowingTaskGroup(of: [ClaimedShipment].self) { group in
                for store in [a, b, a, b] {
                    group.addTask { try await store.claim(limits: [:], othersLimit: 15, now: now) }
                }
                var all: [ClaimedShipment] = []
                for try await claimed in group { all += claimed }
                return all
            }
            #expect(claims.count == 40)
            #expect(Set(claims.map(\.id)) == Set(created))
            #expect(try await a.queueCounts()[.booking] == 40)
            #expect(try await a.queueCounts()[.queued] == 0)
        }
    }

    @Test func aRunningNodeTakesOverExpiredClaimsAndLeavesLiveOnesAlone() async throws {
        try await TestDatabase.withSchema { client in
            let a = PostgresStore(client: client, node: "node-a", lease: .seconds(10), deadline: TestDatabase.deadline)
            let b = PostgresStore(client: client, node: "node-b", lease: .seconds(10), deadline: TestDatabase.deadline)
            try await a.migrate()
            _ = try await a.accept(
                ["E-1", "E-2"].enumerated().map { Fixtures.incoming(Fixtures.json(id: $1, name: "C \($0)", street: "\($0) rue")) },
                source: "test", now: Fixtures.readyMillis)
            _ = try await Fixtures.stage(a).runOnce(now: Fixtures.readyMillis)
            let now = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1)
            let mine = try await a.claim(limits: [:], othersLimit: 1, now: now)
            let theirs = try await b.claim(limits: [:], othersLimit: 1, now: now)
            #expect(mine.count == 1 && theirs.count == 1)
            // b keeps renewing; a stopped (crashed) at `now`.
            try await b.renewClaims(now: now + .seconds(8))
            #expect(try await b.recoverExpiredClaims(now: now + .seconds(5)).isEmpty)
            let taken = try await b.recoverExpiredClaims(now: now + .seconds(12))
            #expect(taken == mine.map(\.id))
            #expect(try await b.shipment(id: theirs[0].id)?.state == .booking)
            #expect(try await b.shipment(id: mine[0].id)?.state == .uncertain)
            let events = try await b.events(shipment: mine[0].id)
            #expect(events.last?.detail.contains("lease expired") == true)
        }
    }

    @Test func claimsByNodeCountEachNodesBookingShipmentsAndItsLatestLease() async throws {
        try await TestDatabase.withSchema { client in
            let a = PostgresStore(client: client, node: "node-a", lease: .seconds(10), deadline: TestDatabase.deadline)
            let b = PostgresStore(client: client, node: "node-b", lease: .seconds(10), deadline: TestDatabase.deadline)
            try await a.migrate()
            #expect(try await a.claimsByNode().isEmpty)
            _ = try await a.accept(
                ["N-1", "N-2", "N-3"].enumerated().map { Fixtures.incoming(Fixtures.json(id: $1, name: "C \($0)", street: "\($0) rue")) },
                source: "test", now: Fixtures.readyMillis)
            _ = try await Fixtures.stage(a).runOnce(now: Fixtures.readyMillis)
            let now = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1)
            #expect(try await a.claim(limits: [:], othersLimit: 2, now: now).count == 2)
            #expect(try await b.claim(limits: [:], othersLimit: 2, now: now + .seconds(1)).count == 1)
            try await a.renewClaims(now: now + .seconds(4))
            #expect(
                try await b.claimsByNode() == [
                    NodeClaims(node: "node-a", shipments: 2, leaseUntil: (now + .seconds(14)).millisecondsSinceEpoch),
                    NodeClaims(node: "node-b", shipments: 1, leaseUntil: (now + .seconds(11)).millisecondsSinceEpoch),
                ])
        }
    }

    @Test func anOutcomeReachingANodeAfterItsClaimWasTakenOverNeverFailsTheCommit() async throws {
        try await TestDatabase.withSchema { client in
            let a = PostgresStore(client: client, node: "node-a", lease: .seconds(10), deadline: TestDatabase.deadline)
            let b = PostgresStore(client: client, node: "node-b", lease: .seconds(10), deadline: TestDatabase.deadline)
            try await a.migrate()
            _ = try await a.accept(
                ["T-1", "T-2"].enumerated().map { Fixtures.incoming(Fixtures.json(id: $1, name: "C \($0)", street: "\($0) rue")) },
                source: "test", now: Fixtures.readyMillis)
            _ = try await Fixtures.stage(a).runOnce(now: Fixtures.readyMillis)
            let now = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1)
            let claimed = try await a.claim(limits: [:], othersLimit: 2, now: now)
            #expect(claimed.count == 2)
            // node-a stalls past its lease; node-b takes its claims over.
            #expect(try await b.recoverExpiredClaims(now: now + .seconds(11)).count == 2)
            let later = now + .seconds(12)
            try await a.commit(
                [
                    BookingOutcome(
                        shipment: claimed[0].id, carrier: claimed[0].carrier!, service: claimed[0].service!,
                        result: .booked(trackingNumber: "TRK-LATE", carrierPrice: nil, labelPath: nil), startedAt: now, finishedAt: later),
                    BookingOutcome(
                        shipment: claimed[1].id, carrier: claimed[1].carrier!, service: claimed[1].service!,
                        result: .failed, startedAt: now, finishedAt: later, detail: "refused"),
                ], breakerOpenings: [], now: later)
            let booked = try await a.shipment(id: claimed[0].id)
            #expect(booked?.state == .booked && booked?.trackingNumber == "TRK-LATE")
            #expect(try await a.shipment(id: claimed[1].id)?.state == .uncertain)
            #expect(try await a.attempts(shipment: claimed[1].id).map(\.outcome) == ["failed"])
            #expect(try await a.events(shipment: claimed[1].id).contains { $0.kind.name == "shipment.late-outcome" })
        }
    }

    /// Allocation counts from the quarter-hour counts the triggers keep are what counting
    /// the shipments gives, for any window, after failures, holds, a failover, moves in
    /// time and between sites, and a shipment left without a carrier (as SQLite's).
    @Test func allocationCountsAreTheShipmentsCounted() async throws {
        try await TestDatabase.withSchema { client in
            let store = PostgresStore(client: client, node: "a", deadline: TestDatabase.deadline)
            try await store.migrate()
            let ids = try await Fixtures.created(store, "L", count: 12)
            #expect(ids.count == 12)
            let t = Fixtures.readyMillis
            try await client.query("UPDATE shipments SET state = 'failed' WHERE id = \(ids[0])")
            try await client.query("UPDATE shipments SET state = 'held' WHERE id = \(ids[1])")
            try await client.query("UPDATE shipments SET carrier = 'colissimo' WHERE id = \(ids[2])")
            try await client.query("UPDATE shipments SET created_at = \(t - 3_600_001) WHERE id = \(ids[3])")
            try await client.query("UPDATE shipments SET created_at = \(t + 899_999) WHERE id = \(ids[4])")
            try await client.query("UPDATE shipments SET created_at = \(t + 7_200_123), carrier = 'velocite' WHERE id = \(ids[5])")
            try await client.query("UPDATE shipments SET state = 'queued' WHERE id = \(ids[0])")
            try await client.query("UPDATE shipments SET site = 'paris-store' WHERE id = \(ids[6])")
            try await client.query("UPDATE shipments SET carrier = NULL WHERE id = \(ids[7])")
            let edges: [Int64] = [
                t - 86_400_000, t - 3_600_001, t - 3_600_000, t - 1, t, t + 1, t + 899_999, t + 900_000, t + 7_200_123, t + 86_400_000,
            ]
            for site in ["lyon-dc", "paris-store"] {
                for from in edges {
                    for until in edges where until >= from {
                        var expected: [String: Int] = [:]
                        for try await (carrier, n) in try await client.query(
                            """
                            SELECT carrier, COUNT(*) FROM shipments WHERE site = \(site) AND created_at >= \(from) AND created_at < \(until)
                                AND carrier IS NOT NULL AND state NOT IN ('failed', 'held') GROUP BY carrier
                            """
                        ).decode((String, Int).self) { expected[carrier] = n }
                        let counts = try await store.allocationCounts(site: site, from: from, until: until)
                        #expect(counts.perCarrier == expected, "\(site) [\(from - t), \(until - t))")
                        #expect(counts.total == expected.values.reduce(0, +))
                    }
                }
            }
        }
    }

    static let logger = Logger(label: "relais.test.postgres")

    /// Queue and tracking counts kept over slots (schema v7: each backend writes its own)
    /// are the shipments counted, after writes from two connections; a statement that books
    /// several shipments enters each in tracking once.
    @Test func countsKeptOverSlotsAreTheShipmentsCounted() async throws {
        try await TestDatabase.withSchema { client in
            let store = PostgresStore(client: client, node: "a", deadline: TestDatabase.deadline)
            try await store.migrate()
            let ids = try await Fixtures.created(store, "N", count: 8)
            #expect(ids.count == 8)
            let (first, second) = try await client.withConnection { one in
                try await client.withConnection { two in
                    let pids = (
                        try await one.query("SELECT pg_backend_pid()", logger: Self.logger).collect().first?.decode(Int.self) ?? 0,
                        try await two.query("SELECT pg_backend_pid()", logger: Self.logger).collect().first?.decode(Int.self) ?? 0
                    )
                    try await one.query("UPDATE shipments SET state = 'held' WHERE id = ANY(\(Array(ids[0..<2])))", logger: Self.logger)
                    try await two.query(
                        """
                        UPDATE shipments SET state = 'booked', tracking_number = 'T-' || id, booked_at = 1
                        WHERE id = ANY(\(Array(ids[2..<5])))
                        """, logger: Self.logger)
                    try await one.query("UPDATE shipments SET state = 'failed' WHERE id = \(ids[5])", logger: Self.logger)
                    try await two.query("UPDATE shipments SET state = 'queued' WHERE id = \(ids[0])", logger: Self.logger)
                    try await one.query("UPDATE tracking SET status = 'delivered' WHERE shipment_id = \(ids[2])", logger: Self.logger)
                    return pids
                }
            }
            var expected: [ShipmentState: Int] = [:]
            for try await (state, n) in try await client.query("SELECT state, COUNT(*) FROM shipments GROUP BY state").decode((String, Int).self) {
                expected[ShipmentState(rawValue: state)!] = n
            }
            let counts = try await store.queueCounts()
            #expect(counts.filter { $0.value != 0 } == expected)
            #expect(expected == [.queued: 3, .held: 1, .booked: 3, .failed: 1])
            let tracked = try await client.query("SELECT shipment_id FROM tracking ORDER BY shipment_id").collect().map { try $0.decode(String.self) }
            #expect(tracked == Array(ids[2..<5]).sorted())
            let tracking = try await store.trackingCounts()
            #expect(tracking.byStatus == ["none": 2, "delivered": 1])
            if first % 16 != second % 16 {
                let slots = try await client.query("SELECT COUNT(DISTINCT slot) FROM queue_counts WHERE n <> 0").collect().first?.decode(Int.self)
                #expect(slots ?? 0 > 1, "two connections, two slots")
            }
        }
    }

    @Test func theEventLogRefusesUpdatesAndDeletes() async throws {
        try await TestDatabase.withSchema { client in
            let store = PostgresStore(client: client, node: "a", deadline: TestDatabase.deadline)
            try await store.migrate()
            try await store.audit(kind: .shipmentCreated, actor: .operator(uid: 1000), detail: "x", now: 1)
            await #expect(throws: (any Error).self) { try await client.query("UPDATE events SET detail = 'y'") }
            await #expect(throws: (any Error).self) { try await client.query("DELETE FROM events") }
            let rows = try await client.query("SELECT detail FROM events").collect()
            #expect(try rows.map { try $0.decode(String.self) } == ["x"])
        }
    }

    @Test func aCallThatCannotGetAConnectionInTimeThrowsTimeout() async throws {
        try await TestDatabase.withSchema(maximumConnections: 1) { client in
            try await PostgresStore(client: client, node: "a", deadline: TestDatabase.deadline).migrate()
            let store = PostgresStore(client: client, node: "a", deadline: .milliseconds(300))
            // The pool's only connection is held: the call waits for one, past its deadline.
            try await client.withConnection { _ in
                let started = ContinuousClock.now
                do {
                    _ = try await store.pendingOrderCount()
                    Issue.record("a call with no connection to be had must time out")
                } catch let error as PostgresStoreError {
                    #expect(error.isTimeout)
                }
                #expect(ContinuousClock.now - started < .seconds(5))
            }
            // The connection free again, a call gets it (a deadline of its own: reconnecting on
            // a loaded machine can take longer than 300 ms).
            #expect(try await PostgresStore(client: client, node: "a", deadline: TestDatabase.deadline).pendingOrderCount() == 0)
        }
    }

    @Test func aWriteRunAgainUnderItsTokenReturnsTheFirstResultAndWritesNothing() async throws {
        try await TestDatabase.withSchema { client in
            let store = PostgresStore(client: client, node: "a", deadline: TestDatabase.deadline)
            try await store.migrate()
            // What a retry after a COMMIT whose answer was lost does: the same token again.
            let token = UUID().uuidString
            let write: @Sendable (Int) async throws -> Int = { answer in
                try await store.transaction("audit twice", token: token) { connection, logger in
                    try await connection.recordEvent(at: 1, kind: .shipmentCreated, actor: .operator(uid: 1), detail: "once", logger: logger)
                    return answer
                }
            }
            #expect(try await write(7) == 7)
            #expect(try await write(8) == 7)
            let rows = try await client.query("SELECT detail FROM events").collect()
            #expect(try rows.map { try $0.decode(String.self) } == ["once"])
            // A new token is a new write.
            try await store.audit(kind: .shipmentCreated, actor: .operator(uid: 1), detail: "twice", now: 2)
            #expect(try await client.query("SELECT count(*) FROM events").collect().first?.decode(Int.self) == 2)
            // A write without a result, run again under its token: the token alone says it committed.
            let once = UUID().uuidString
            for _ in 1...2 {
                try await store.transaction("audit, no result", token: once) { connection, logger in
                    try await connection.recordEvent(at: 3, kind: .shipmentCreated, actor: .operator(uid: 1), detail: "no result", logger: logger)
                }
            }
            #expect(try await client.query("SELECT count(*) FROM events WHERE detail = 'no result'").collect().first?.decode(Int.self) == 1)
        }
    }

    @Test func backendsTerminatedUnderTheStoreLoseAndDoubleNothing() async throws {
        try await TestDatabase.withSchema(maximumConnections: 4) { client in
            var logger = Logger(label: "relais.test.postgres")
            logger.logLevel = .error
            let store = PostgresStore(client: client, node: "node-a", deadline: TestDatabase.deadline, logger: logger)
            try await store.migrate()
            let application = try await TestDatabase.applicationName(of: client)
            let ids = (1...60).map { "K-\($0)" }
            let done = Mutex(false)
            // Backends terminated at random moments while the store accepts, decides, claims
            // and commits: mid-statement, mid-transaction, between transactions, at COMMIT.
            let killer = Task {
                var terminated = 0
                var rounds = 0
                while !done.withLock({ $0 }) && rounds < 40 {
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 20...150)))
                    terminated += (try? await TestDatabase.terminateBackends(named: application, through: store)) ?? 0
                    rounds += 1
                }
                return terminated
            }
            var accepted: [OrderAcceptance] = []
            for batch in stride(from: 0, to: ids.count, by: 5) {
                let orders = ids[batch..<batch + 5].enumerated().map { index, id in
                    Fixtures.incoming(Fixtures.json(id: id, name: "C \(batch + index)", street: "\(batch + index) rue"))
                }
                accepted += try await store.accept(orders, source: "test", now: Fixtures.readyMillis)
            }
            var created: [String] = []
            let stage = try Fixtures.stage(store)
            while created.count < ids.count {
                let made = try await stage.runOnce(now: Fixtures.readyMillis).created
                if made.isEmpty { break }
                created += made
            }
            var claimed: [ClaimedShipment] = []
            var clock = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1)
            while true {
                let batch = try await store.claim(limits: [:], othersLimit: 2, now: clock)
                if batch.isEmpty { break }
                claimed += batch
                try await store.renewClaims(now: clock)
                try await store.commit(
                    batch.map {
                        BookingOutcome(
                            shipment: $0.id, carrier: $0.carrier ?? "", service: $0.service ?? "",
                            result: .booked(trackingNumber: "TRK-\($0.id)", carrierPrice: nil, labelPath: nil), startedAt: clock,
                            finishedAt: clock)
                    }, breakerOpenings: [], now: clock)
                clock = clock + .milliseconds(1)
            }
            done.withLock { $0 = true }
            let terminated = await killer.value
            #expect(terminated > 0, "no backend was terminated: the test proved nothing")

            #expect(accepted == Array(repeating: .accepted, count: ids.count))
            #expect(Set(created).count == ids.count && created.count == ids.count)
            #expect(claimed.map(\.id).sorted() == created.sorted(), "every shipment claimed exactly once")
            #expect(claimed.allSatisfy { $0.attempts == 1 })
            let counts = try await store.queueCounts()
            #expect(counts[.booked] == ids.count, "\(counts)")
            // Read through the store: a pooled connection may be one the killer terminated, and
            // PostgresNIO can wait forever for a query on it (the store gives it up).
            let (attempts, creations) = try await store.read("check") { connection, logger in
                let attempts = try await connection.query("SELECT count(*), count(DISTINCT shipment_id) FROM booking_attempts", logger: logger)
                    .collect().first?.decode((Int, Int).self)
                let creations = try await connection.query("SELECT count(*) FROM events WHERE kind = 'shipment.created'", logger: logger)
                    .collect().first?.decode(Int.self)
                return (attempts, creations)
            }
            #expect(attempts?.0 == ids.count && attempts?.1 == ids.count)
            #expect(creations == ids.count)
        }
    }

    @Test func urlsNameASocketOrAHostAndNeverAPassword() throws {
        let socket = try PostgresLocation(url: "postgres://relais@/relais?host=/run/postgresql")
        #expect(socket.socketPath == "/run/postgresql/.s.PGSQL.5432")
        #expect(socket.database == "relais")
        let tcp = try PostgresLocation(url: "postgres://relais@db.example:6543/orders")
        #expect(tcp.host == "db.example" && tcp.port == 6543 && tcp.socketPath == nil && tcp.user == "relais")
        #expect(throws: PostgresStoreError.self) { try PostgresLocation(url: "postgres://relais:secret@db/relais") }
        #expect(throws: PostgresStoreError.self) { try PostgresLocation(url: "mysql://relais@db/relais") }
    }
}

/// The server the tests run against, from the environment.
enum TestDatabase {
    /// `RELAIS_TEST_POSTGRES_URL`, e.g. `postgres://postgres@/postgres?host=/tmp/relais-pg`.
    static let url: String? = ProcessInfo.processInfo.environment["RELAIS_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let password: String? = ProcessInfo.processInfo.environment["RELAIS_TEST_POSTGRES_PASSWORD"]
    /// The stores' deadline in tests: every test's schema migrates under the one advisory
    /// lock of the database, one after the other, on a machine loaded by the whole suite.
    static let deadline: Swift.Duration = .seconds(90)

    /// Runs `body` with a running client whose connections use a new schema, dropped after;
    /// they are named after the schema in `pg_stat_activity` (``applicationName(of:)``).
    static func withSchema<T: Sendable>(maximumConnections: Int = 4, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let url = try #require(url)
        let schema = "relais_test_\(UUID().uuidString.prefix(8).lowercased())"
        // The clients are run in tasks started just before the first query: PostgresNIO's
        // warning that one is not running yet is expected here.
        var logger = Logger(label: "relais.test.postgres")
        logger.logLevel = .error
        let admin = PostgresClient(
            configuration: try PostgresStore.clientConfiguration(url: url, password: password, maximumConnections: 1), backgroundLogger: logger)
        var configuration = try PostgresStore.clientConfiguration(url: url, password: password, maximumConnections: maximumConnections)
        configuration.options.additionalStartupParameters.append(("search_path", schema))
        // The test's connections, and only them, are named after its schema: a test that
        // terminates backends finds its own by this name.
        configuration.options.additionalStartupParameters.append(("application_name", schema))
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await admin.query("CREATE SCHEMA \(unescaped: schema)")
            do {
                let result = try await body(client)
                try await admin.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                return result
            } catch {
                _ = try? await admin.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                throw error
            }
        }
    }
}

extension TestDatabase {
    /// The `application_name` of the client's connections: its schema.
    static func applicationName(of client: PostgresClient) async throws -> String {
        try await client.query("SELECT current_setting('application_name')").collect().first?.decode(String.self) ?? ""
    }

    /// Terminates every backend of the connections named `application`, but the one asking:
    /// what an operator's `pg_terminate_backend` or a failover does to them. - Returns: how many.
    ///
    /// Asked through the store, whose calls give up a connection closed under them: the
    /// asking connection may be one an earlier round terminated, which PostgresNIO can
    /// wait on forever (a test that hung CI once).
    static func terminateBackends(named application: String, through store: PostgresStore) async throws -> Int {
        try await store.read("terminate backends") { connection, logger in
            try await connection.query(
                """
                SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = \(application) AND pid <> pg_backend_pid()) AS terminated
                """, logger: logger
            ).collect().first?.decode(Int.self) ?? 0
        }
    }
}

/// Orders and the aggregation stage, as RelaisRecordsTests makes them.
enum Fixtures {
    /// `count` orders `PREFIX-1…` accepted and decided into shipments, whose ids it returns.
    static func created(_ store: PostgresStore, _ prefix: String, count: Int) async throws -> [String] {
        let orders = (1...count).map { incoming(json(id: "\(prefix)-\($0)", name: "Client \($0)", street: "\($0) rue Oberkampf")) }
        _ = try await store.accept(orders, source: "test", now: readyMillis)
        return try await stage(store).runOnce(now: readyMillis).created
    }

    static func json(id: String, name: String, street: String) -> String {
        """
        {"id": "\(id)", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00", "promised_by": "2026-11-26",
         "service_level": "standard", "delivery_mode": "home",
         "recipient": {"name": "\(name)", "street": ["\(street)"], "postcode": "75011", "city": "Paris", "country": "FR",
                       "lat": 48.853, "lon": 2.372},
         "parcels": [{"weight_kg": 1.2, "length_cm": 30, "width_cm": 20, "height_cm": 10}],
         "value": {"amount": "59.90", "currency": "EUR"}}
        """
    }

    static func incoming(_ text: String) -> IncomingOrder {
        let decoded = OrderDecoder().decode(Data(text.utf8)).orders[0]
        return IncomingOrder(order: decoded.order, canonicalJSON: decoded.canonicalJSON)
    }

    /// 2026-11-23T10:15:00+01:00 in milliseconds.
    static let readyMillis: Int64 = 1_795_425_300_000

    static let lyon = Site(
        id: "lyon-dc", name: "Lyon", postcode: "69007", city: "Lyon", country: "FR", coordinate: Coordinate(lat: 45.7323, lon: 4.8283),
        timeZone: TimeZone(identifier: "Europe/Paris")!)

    static func stage(_ store: any DaemonStore) throws -> AggregationStage {
        let panel = try PanelLoader.load(directory: Repository.path("carriers"))
        let text = try String(contentsOfFile: Repository.path("policies/default.toml"), encoding: .utf8)
        let policy = try PolicyLoader.load(text: text, file: "default.toml", panel: panel.panel)
        return AggregationStage(store: store, engine: DecisionEngine(panel: panel.panel, policy: policy), sites: [lyon], windowSeconds: 0)
    }
}
