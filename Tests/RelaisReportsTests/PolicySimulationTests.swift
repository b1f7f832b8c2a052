import Foundation
import RelaisStore
import RelaisTesting
import Synchronization
import Testing
@testable import RelaisCore
@testable import RelaisRecords
@testable import RelaisReports

/// What-if replays on the history of ``HistoryFixture``: three light (2 kg) and two heavy
/// (10 kg) shipments recorded under `old`, all on alpha/A1.
@Suite struct PolicySimulationTests {
    static let history: [(id: String, kg: Double)] = [("L-1", 2), ("L-2", 2), ("H-1", 10), ("L-3", 2), ("H-2", 10)]

    func simulate(_ fixture: HistoryFixture, policy: String, period: ReportPeriod? = nil, workers: Int = 2) async throws -> SimulationReport {
        let engine = DecisionEngine(panel: fixture.panel, policy: try fixture.policy(policy))
        return try await PolicySimulation(engine: engine, sites: [fixture.site], workers: workers).run(
            history: SQLiteHistory(path: fixture.databasePath),
            period: period ?? ReportPeriod(first: nil, last: nil, timeZone: HistoryFixture.paris))
    }

    @Test func aPolicyChangeMovesTheLightShipmentsToBeta() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        let ids = try await fixture.record(Self.history)
        #expect(ids.count == 5)
        // Recorded under `old`: everything on alpha.
        for id in ids { #expect(try await fixture.store.shipment(id: id)?.carrier == "alpha") }

        let report = try await simulate(fixture, policy: "new")
        #expect(report.shipments == 5)
        #expect(report.skipped == 0)
        #expect(report.changes == [SimulationReport.Change(from: "alpha/A1", to: "beta/B1", shipments: 3)])
        #expect(report.changed == 3)

        // Recorded: 3 × 5.00 + 2 × 10.00; costs at new prices: light 5 + 1.5 × 3 + 0.1 × 0.3 = 9.53,
        // heavy 10 + 4.5 + 0.1 × 0.7 = 14.57.
        #expect(report.recorded.carried == 5)
        #expect(report.recorded.price == Money(minorUnits: 3500))
        #expect(report.recorded.meanPrice == Money(minorUnits: 700))
        #expect(report.recorded.cost.description == "57.7300")
        #expect(report.recorded.meanCost?.description == "11.5460")
        #expect(report.recorded.meanLeadDays == 3)
        #expect(abs(report.recorded.co2eGrams - 2300) < 1e-6)
        // Simulated: light on beta at 7.00, 1 day, 70 g: cost 8.507.
        #expect(report.simulated.carried == 5)
        #expect(report.simulated.price == Money(minorUnits: 4100))
        #expect(report.simulated.meanPrice == Money(minorUnits: 820))
        #expect(report.simulated.cost.description == "54.6610")
        #expect(report.simulated.meanCost?.description == "10.9322")
        #expect(report.simulated.meanLeadDays == 1.8)
        #expect(abs(report.simulated.co2eGrams - 1610) < 1e-6)
        #expect(report.simulated.late == 0 && report.recorded.late == 0)

        let rows = Dictionary(uniqueKeysWithValues: report.rows().map { ($0.metric, $0) })
        #expect(rows["total price"]?.delta == "+6.00")
        #expect(rows["total cost"]?.delta == "-3.0690")
        #expect(rows["mean lead days"]?.delta == "-1.20")
        #expect(rows["total CO2e kg"]?.delta == "-0.690")
        #expect(rows["carried"]?.delta == "0")
    }

    @Test func replayingTheRecordedPolicyChangesNothing() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        try await fixture.record(Self.history)
        // A failover moves one shipment to beta: the carrier's doing, not the policy's, so
        // the replay compares with what the decision chose.
        let claimed = try #require(try await fixture.store.claim(limit: 1, now: HistoryFixture.monday + 1).first)
        try await fixture.store.commit(
            [
                BookingOutcome(
                    shipment: claimed.id, carrier: "alpha", service: "A1",
                    result: .failover(to: BookingCandidate(key: ServiceKey(carrier: "beta", service: "B1"), price: nil, eta: nil, co2eGrams: nil)),
                    failureClass: .permanent, startedAt: (HistoryFixture.monday + 1).instant, finishedAt: (HistoryFixture.monday + 1).instant)
            ], now: (HistoryFixture.monday + 1).instant)
        #expect(try await fixture.store.shipment(id: claimed.id)?.carrier == "beta")
        let report = try await simulate(fixture, policy: "old", workers: 1)
        #expect(report.changes.isEmpty)
        #expect(report.recorded == report.simulated)
    }

    @Test func allocationLimitsAreReplayedInCreationOrder() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        try await fixture.record(Self.history)
        // `capped` is `new` with beta capped at 2 a day: L-1 and L-2 move, L-3 (the third
        // light one that day) stays on alpha.
        let report = try await simulate(fixture, policy: "capped")
        #expect(report.changes == [SimulationReport.Change(from: "alpha/A1", to: "beta/B1", shipments: 2)])
        #expect(report.simulated.price == Money(minorUnits: 3900))
    }

    @Test func thePeriodSelectsShipmentsByTheFirstSitesDays() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        try await fixture.record(Self.history)
        // A week later, one more light shipment.
        try await fixture.record(
            [("L-4", 2)], now: HistoryFixture.monday + 7 * 86_400_000, readyAt: "2026-11-30T10:00:00+01:00")
        let paris = HistoryFixture.paris
        let week = ReportPeriod(first: CivilDate("2026-11-23"), last: CivilDate("2026-11-29"), timeZone: paris)
        #expect(try await simulate(fixture, policy: "new", period: week).shipments == 5)
        let later = ReportPeriod(first: CivilDate("2026-11-30"), last: nil, timeZone: paris)
        let report = try await simulate(fixture, policy: "new", period: later)
        #expect(report.shipments == 1)
        #expect(report.changes == [SimulationReport.Change(from: "alpha/A1", to: "beta/B1", shipments: 1)])
        #expect(try await simulate(fixture, policy: "new").shipments == 6)
        // Midnight in Paris, not in UTC: the 23rd begins at 23:00 UTC on the 22nd.
        #expect(week.startMilliseconds == 1_795_388_400_000)
    }

    @Test func aShipmentWhoseSiteIsGoneIsSkippedWithTheReason() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        try await fixture.record(Self.history)
        let engine = DecisionEngine(panel: fixture.panel, policy: try fixture.policy("new"))
        let report = try await PolicySimulation(engine: engine, sites: []).run(
            history: SQLiteHistory(path: fixture.databasePath), period: ReportPeriod(first: nil, last: nil, timeZone: HistoryFixture.paris))
        #expect(report.shipments == 0)
        #expect(report.skipped == 5)
        #expect(report.skippedExamples.first?.reason == "site 'lyon-dc' is not in relais.toml")
    }

    @Test func aCopyOfTheDatabaseIsReadWithNoDaemonAndNothingIsWritten() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        try await fixture.record(Self.history)
        // A copy of the main file alone: the WAL is checkpointed into it by closing the store.
        let copy = fixture.path("copy/relais.sqlite")
        try FileManager.default.createDirectory(atPath: fixture.path("copy"), withIntermediateDirectories: true)
        try await fixture.store.checkpoint()
        try FileManager.default.copyItem(atPath: fixture.databasePath, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let engine = DecisionEngine(panel: fixture.panel, policy: try fixture.policy("new"))
        let report = try await PolicySimulation(engine: engine, sites: [fixture.site]).run(
            history: SQLiteHistory(path: copy), period: ReportPeriod(first: nil, last: nil, timeZone: HistoryFixture.paris))
        #expect(report.changed == 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        #expect(throws: StoreError.self) { try SQLiteHistory(path: fixture.path("copy/missing.sqlite")) }
    }

    @Test func theReplayReadsASnapshotAndDoesNotBlockTheDaemonsWrites() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        try await fixture.record(Self.history)
        let history = try SQLiteHistory(path: fixture.databasePath)
        let paused = DispatchSemaphore(value: 0)
        let resume = DispatchSemaphore(value: 0)
        let seen = Counter()
        // The replay reads on a thread of its own and stops after its first batch, its
        // snapshot open, while the daemon's store records one more shipment.
        let reading = Task {
            await offPool {
                try? history.forEachShipment(createdFrom: 0, until: .max / 2, batchSize: 2) { batch in
                    if seen.add(batch.count) == batch.count {
                        paused.signal()
                        resume.wait()
                    }
                }
            }
        }
        await offPool { paused.wait() }
        let more = try await fixture.record([("L-9", 2)])
        #expect(more.count == 1)
        resume.signal()
        await reading.value
        #expect(seen.value == 5)
        // A new read sees it.
        var total = 0
        try history.forEachShipment(createdFrom: 0, until: .max / 2) { total += $0.count }
        #expect(total == 6)
    }
}

/// A count shared with a reading thread.
final class Counter: Sendable {
    private let count = Mutex(0)
    /// Adds and returns the new total.
    func add(_ n: Int) -> Int { count.withLock { $0 += n; return $0 } }
    var value: Int { count.withLock { $0 } }
}
