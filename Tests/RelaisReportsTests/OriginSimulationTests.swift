import Foundation
import Testing
@testable import RelaisAggregation
@testable import RelaisCore
@testable import RelaisOrders
import RelaisStore
@testable import RelaisRecords
@testable import RelaisReports

/// `simulate` on shipments whose orders list several origins (SPEC §15): replayed over
/// every origin, and skipped, named, when one of them left relais.toml.
@Suite struct OriginSimulationTests {
    /// A Paris store whose own cutoff (09:00) is before the orders are ready (10:00): from
    /// there every pickup slips a day, so the Lyon warehouse wins under both policies.
    static let store = Site(
        id: "paris-store", name: "Paris", postcode: "75011", city: "Paris", country: "FR", coordinate: nil,
        timeZone: HistoryFixture.paris, cutoff: TimeOfDay("09:00"))

    func record(_ fixture: HistoryFixture) async throws -> [String] {
        let incoming = [("O-1", 2.0), ("O-2", 10.0)].map { id, kg in
            let text = HistoryFixture.order(id: id, kg: kg, readyAt: "2026-11-23T10:00:00+01:00")
                .replacingOccurrences(of: #""site": "lyon-dc""#, with: #""origins": ["paris-store", "lyon-dc"]"#)
            let decoded = OrderDecoder().decode(Data(text.utf8)).orders[0]
            return IncomingOrder(order: decoded.order, canonicalJSON: decoded.canonicalJSON)
        }
        _ = try await fixture.store.accept(incoming, source: "test", now: HistoryFixture.monday)
        let stage = AggregationStage(
            store: fixture.store, engine: DecisionEngine(panel: fixture.panel, policy: try fixture.policy("old")),
            sites: [fixture.site, Self.store], windowSeconds: 0)
        return try await stage.runOnce(now: HistoryFixture.monday).created
    }

    @Test func shipmentsWithOriginsAreReplayedOverEveryOrigin() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        let ids = try await record(fixture)
        #expect(ids.count == 2)
        for id in ids { #expect(try await fixture.store.shipment(id: id)?.site == "lyon-dc") }
        let decision = try #require(try await fixture.store.decision(shipment: ids[0]))
        #expect(decision.candidates.first { $0.origin == "paris-store" }?.leadDays == 4)

        let engine = DecisionEngine(panel: fixture.panel, policy: try fixture.policy("new"))
        let period = ReportPeriod(first: nil, last: nil, timeZone: HistoryFixture.paris)
        let report = try await PolicySimulation(engine: engine, sites: [fixture.site, Self.store], workers: 1)
            .run(history: SQLiteHistory(path: fixture.databasePath), period: period)
        #expect(report.shipments == 2 && report.skipped == 0)
        // The light one moves to beta, as in the single-site history; the heavy one stays.
        #expect(report.changes == [SimulationReport.Change(from: "alpha/A1", to: "beta/B1", shipments: 1)])

        // Booked, each counts once in the reports, though its decision holds alpha/A1 twice.
        try await fixture.bookAll(now: HistoryFixture.monday + 1_000)
        var booked: [String] = []
        try SQLiteHistory(path: fixture.databasePath).forEachBooked(bookedFrom: 0, until: .max / 2) { booked.append($0.id) }
        #expect(booked.sorted() == ids.sorted())

        let withoutStore = try await PolicySimulation(engine: engine, sites: [fixture.site], workers: 1)
            .run(history: SQLiteHistory(path: fixture.databasePath), period: period)
        #expect(withoutStore.skipped == 2)
        #expect(withoutStore.skippedExamples.first?.reason == "site 'paris-store' is not in relais.toml")
    }
}
