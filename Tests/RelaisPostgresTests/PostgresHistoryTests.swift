import Foundation
import PostgresNIO
import RelaisCommands
import RelaisConfig
import RelaisCore
@testable import RelaisPostgres
import RelaisRecords
import RelaisReports
import RelaisStore
import RelaisTesting
import Testing

/// Reports and `relaisctl simulate` on PostgreSQL (SPEC §16): the same records, written
/// through the store roles into SQLite and into PostgreSQL, give the same reports, read
/// from either history and from relaisctl choosing its store by relais.toml's `[store]`.
@Suite(.enabled(if: TestDatabase.url != nil, "RELAIS_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh"))
struct PostgresHistoryTests {
    /// The same history into any store: orders decided, one carrier call failed with its
    /// breaker opening, every shipment booked (some with the carrier's price).
    static func record(_ store: any DaemonStore) async throws {
        let ids = (1...9).map { "H-\($0)" }
        _ = try await store.accept(
            ids.enumerated().map { Fixtures.incoming(Fixtures.json(id: $1, name: "Client \($0)", street: "\($0) rue \($1)")) },
            source: "test", actor: .intake, now: Fixtures.readyMillis)
        let created = try await Fixtures.stage(store).runOnce(now: Fixtures.readyMillis).created
        #expect(created.count == ids.count)
        let t1 = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 60_000)
        let claimed = try await store.claim(limits: [:], othersLimit: 100, now: t1).sorted { $0.id < $1.id }
        func booked(_ claim: ClaimedShipment, at time: Instant, price: Int64?) -> BookingOutcome {
            BookingOutcome(
                shipment: claim.id, carrier: claim.carrier ?? "", service: claim.service ?? "",
                result: .booked(trackingNumber: "T-\(claim.id)", carrierPrice: price.map(Money.init(minorUnits:)), labelPath: nil),
                startedAt: time, finishedAt: time)
        }
        let first = claimed[0]
        let failed = BookingOutcome(
            shipment: first.id, carrier: first.carrier ?? "", service: first.service ?? "", result: .deferred(until: t1 + .seconds(1)),
            failureClass: .transient, httpStatus: 503, startedAt: t1, finishedAt: t1, detail: "HTTP 503")
        try await store.commit(
            [failed] + claimed.dropFirst().enumerated().map { booked($1, at: t1, price: $0.isMultiple(of: 2) ? 612 : nil) },
            breakerOpenings: [BreakerOpening(carrier: first.carrier ?? "", at: t1, detail: "opened; last failure: HTTP 503")], now: t1)
        let t2 = t1 + .seconds(5)
        let again = try await store.claim(limits: [:], othersLimit: 100, now: t2)
        #expect(again.map(\.id) == [first.id])
        try await store.commit(again.map { booked($0, at: t2, price: 700) }, breakerOpenings: [], now: t2)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Every report over one history, as JSON.
    static func reports(_ history: any RecordHistory) async throws -> [String] {
        let zone = Fixtures.lyon.timeZone
        let panel = try PanelLoader.load(directory: Repository.path("carriers")).panel
        let policy = try PolicyLoader.load(
            text: try String(contentsOfFile: Repository.path("policies/default.toml"), encoding: .utf8), file: "default.toml", panel: panel)
        let month = try #require(ReportPeriod(month: "2026-11", timeZone: zone))
        let all = ReportPeriod(first: nil, last: nil, timeZone: zone)
        let simulation = try await PolicySimulation(engine: DecisionEngine(panel: panel, policy: policy), sites: [Fixtures.lyon], workers: 1)
            .run(history: history, period: all)
        #expect(simulation.shipments + simulation.skipped == 9)
        let emissions = try await EmissionsReport(history: history, period: month)
        #expect(emissions.total.shipments == 9)
        let carriers = try await CarrierReport(history: history, period: all, policy: policy, panel: panel, sites: [Fixtures.lyon])
        #expect(carriers.bookings == 9 && carriers.lines.contains { $0.breakerOpenings == 1 && $0.failures == [.transient: 1] })
        // In pages of two: the same replay.
        var paged = 0
        try await history.forEachShipment(createdFrom: 0, until: .max / 2, batchSize: 2) { batch in
            #expect(batch.count <= 2 && batch.allSatisfy { $0.orderBodies.count == 1 })
            paged += batch.count
        }
        #expect(paged == 9)
        let promise = try await PromiseReport(history: history, period: all, panel: panel, policy: policy, sites: [Fixtures.lyon])
        #expect(promise.total.booked + promise.skipped == 9)
        return [try json(simulation), try json(emissions), try json(carriers), try json(promise)]
    }

    @Test func theSameRecordsGiveTheSameReportsOnBothStoresAndRelaisctlReadsTheStoreOfItsConfig() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("relais-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("state"), withIntermediateDirectories: true)
        let sqlite = try RecordStore(path: root.appendingPathComponent("state/relais.sqlite").path)
        try await Self.record(sqlite)
        try await sqlite.checkpoint()
        let fromSQLite = try await Self.reports(SQLiteHistory(path: sqlite.path))

        try await TestDatabase.withSchema { client in
            let store = PostgresStore(client: client, node: "node-a", deadline: TestDatabase.deadline)
            try await store.migrate()
            try await Self.record(store)
            let history = PostgresHistory(client: client, source: "test")
            #expect(try await Self.reports(history) == fromSQLite)

            // relaisctl: the same relais.toml, with and without [store].
            let schema = try await client.query("SELECT current_schema()").collect().first?.decode(String.self) ?? ""
            let url = try #require(TestDatabase.url)
            var storeSection = "\n[store]\nurl = \"\(url)\(url.contains("?") ? "&" : "?")search_path=\(schema)\"\n"
            var booking = ""
            if let password = TestDatabase.password {
                let credentials = root.appendingPathComponent("credentials")
                try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
                try Data(password.utf8).write(to: credentials.appendingPathComponent("postgres"))
                storeSection += "credentials = \"postgres\"\n"
                booking = "\n[booking]\ncredentials = \"\(credentials.path)\"\n"
            }
            let base = Repository.rigConfiguration(root: root).replacingOccurrences(
                of: "policies = \"\(root.appendingPathComponent("policies").path)\"", with: "policies = \"\(Repository.path("policies"))\"")
            let sqliteConfig = root.appendingPathComponent("sqlite.toml").path
            let postgresConfig = root.appendingPathComponent("postgres.toml").path
            try Data((base + booking).utf8).write(to: URL(fileURLWithPath: sqliteConfig))
            try Data((base + booking + storeSection).utf8).write(to: URL(fileURLWithPath: postgresConfig))
            for config in [sqliteConfig, postgresConfig] { #expect(throws: Never.self) { try DaemonConfigLoader.load(file: config) } }
            func run(_ config: String) async -> [CommandOutput] {
                [
                    await HistoryCommands.simulate(
                        policyFile: Repository.path("policies/default.toml"), since: nil, until: nil, carriers: nil, configFile: config,
                        database: nil, format: .json),
                    await HistoryCommands.emissions(month: "2026-11", configFile: config, database: nil, format: .csv),
                    await HistoryCommands.carriers(since: "2026-11-01", configFile: config, database: nil, format: .text),
                    await HistoryCommands.promise(since: "2026-11-01", until: nil, configFile: config, database: nil, format: .csv),
                ]
            }
            let onSQLite = await run(sqliteConfig)
            let onPostgres = await run(postgresConfig)
            #expect(onSQLite.allSatisfy { $0.status == .success && !$0.stdout.isEmpty }, "\(onSQLite.map(\.stderr))")
            #expect(onPostgres.map(\.stdout) == onSQLite.map(\.stdout), "\(onPostgres.map(\.stderr))")
        }
    }

    @Test func aDatabaseWithoutThisVersionsSchemaIsRefusedBeforeAnyRead() async throws {
        try await TestDatabase.withSchema { client in
            let history = PostgresHistory(client: client, source: "the test schema")
            await #expect(throws: (any Error).self) { try await history.checkSchema() }
            let store = PostgresStore(client: client, node: "node-a", deadline: TestDatabase.deadline)
            try await store.migrate()
            try await client.query("DELETE FROM schema_migrations WHERE name LIKE 'v5:%'")
            let error = await #expect(throws: StoreError.self) { try await history.checkSchema() }
            #expect(error?.description.contains("v5") == true)
        }
    }
}
