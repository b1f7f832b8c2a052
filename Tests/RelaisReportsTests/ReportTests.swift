import Foundation
import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisCommands
@testable import RelaisCore
@testable import RelaisRecords
@testable import RelaisReports

/// Emissions and carrier reports on the history of ``HistoryFixture``.
@Suite struct ReportTests {
    /// Five shipments on alpha/A1 (3 × 2 kg, 2 × 10 kg), booked on Monday 2026-11-23 and
    /// delivered the next days, one, two, three, four and five days later (delivery days
    /// Tuesday to Saturday: the ETA at p90 is Thursday).
    func bookedHistory() async throws -> HistoryFixture {
        let fixture = try HistoryFixture()
        try await fixture.record(PolicySimulationTests.history)
        try await fixture.bookAll(now: HistoryFixture.monday + 60_000)
        for (index, order) in PolicySimulationTests.history.enumerated() {
            let shipment = try #require(try await fixture.store.order(id: order.id)?.shipmentID)
            try await fixture.deliver(shipment, at: HistoryFixture.monday + Int64(index + 1) * 86_400_000)
        }
        return fixture
    }

    @Test func emissionsAddUpPerServiceWithTonneKmQualityAndMethod() async throws {
        let fixture = try await bookedHistory()
        defer { fixture.remove() }
        let november = try #require(ReportPeriod(month: "2026-11", timeZone: HistoryFixture.paris))
        let report = try await EmissionsReport(history: SQLiteHistory(path: fixture.databasePath), period: november)
        #expect(report.lines.count == 1)
        let line = try #require(report.lines.first)
        #expect(line.carrier == "alpha" && line.service == "A1")
        #expect(line.shipments == 5)
        #expect(line.parcels == 5)
        // 500 km × (3 × 0.002 t + 2 × 0.010 t) = 13 t·km; 3 × 300 g + 2 × 700 g = 2.3 kg.
        #expect(abs(line.tonneKm - 13) < 1e-9)
        #expect(abs(line.co2eGrams - 2300) < 1e-6)
        #expect(line.dataQualityText == "1")
        #expect(line.zoneDefault == 5 && line.greatCircle == 0)
        #expect(report.total.shipments == 5)
        #expect(report.method.contains("ISO 14083"))

        // October had none; December neither.
        let october = try #require(ReportPeriod(month: "2026-10", timeZone: HistoryFixture.paris))
        #expect(try await EmissionsReport(history: SQLiteHistory(path: fixture.databasePath), period: october).lines.isEmpty)
        #expect(ReportPeriod(month: "2026-13", timeZone: HistoryFixture.paris) == nil)
        #expect(ReportPeriod(month: "2026-1", timeZone: HistoryFixture.paris) == nil)
    }

    @Test func eachShipmentCarriesItsGHGFigure() async throws {
        let fixture = try await bookedHistory()
        defer { fixture.remove() }
        let lightID = try #require(try await fixture.store.order(id: "L-1")?.shipmentID)
        let light = try #require(try await fixture.store.shipment(id: lightID)?.emissions)
        #expect(abs(light.co2eGrams - 300) < 1e-9)
        #expect(light.dataQuality == 1)
        #expect(light.distanceKm == 500)
        #expect(light.distanceBasis == .zoneDefault)
        #expect(light.parcels == 1)
        #expect(light.weightKg == 2)
        #expect(light.tonneKm == 1)
        let heavyID = try #require(try await fixture.store.order(id: "H-1")?.shipmentID)
        let heavy = try #require(try await fixture.store.shipment(id: heavyID)?.emissions)
        #expect(abs(heavy.co2eGrams - 700) < 1e-9)
        #expect(heavy.tonneKm == 5)
    }

    @Test func carrierReportCountsBookingsFailuresOpeningsAndLimits() async throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        try await fixture.record(PolicySimulationTests.history)
        let t0 = HistoryFixture.monday + 60_000
        // S-1's first call fails (transient) and alpha's breaker opens; a second claim books all.
        let first = try await fixture.store.claim(limit: 1, now: t0)
        try await fixture.store.commit(
            [
                BookingOutcome(
                    shipment: first[0].id, carrier: "alpha", service: "A1", result: .deferred(until: (t0 + 1_000).instant),
                    failureClass: .transient, httpStatus: 503, startedAt: t0.instant, finishedAt: t0.instant, detail: "HTTP 503")
            ], breakerOpenings: [BreakerOpening(carrier: "alpha", at: t0.instant, detail: "opened; last failure: HTTP 503")], now: t0.instant)
        try await fixture.bookAll(now: t0 + 2_000)

        let history = try SQLiteHistory(path: fixture.databasePath)
        let since = ReportPeriod(first: CivilDate("2026-11-01"), last: nil, timeZone: HistoryFixture.paris)
        let report = try await CarrierReport(
            history: history, period: since, policy: try fixture.policy("limits"), panel: fixture.panel, sites: [fixture.site])
        #expect(report.bookings == 5)
        #expect(report.lines.map(\.carrier) == ["alpha", "beta"])
        let alpha = report.lines[0]
        #expect(alpha.bookings == 5)
        #expect(alpha.share == 1)
        #expect(alpha.meanPrice == Money(minorUnits: 700))
        #expect(alpha.attempts == 6)
        #expect(alpha.failures == [.transient: 1])
        #expect(alpha.breakerOpenings == 1)
        // `limits`: alpha at most 3 a day and half the site's shipments (once 20 are booked).
        #expect(alpha.dailyCap == 3 && alpha.maxShare == 0.5)
        #expect(alpha.peakDay?.bookings == 5)
        #expect(alpha.peakDay?.day == CivilDate("2026-11-23"))
        #expect(alpha.daysOverCap == 1)
        #expect(alpha.daysOverShare == 0)  // 5 booked that day: shares are not enforced below 20
        let beta = report.lines[1]
        #expect(beta.bookings == 0 && beta.attempts == 0 && beta.meanPrice == nil)

        // Since the next day: nothing.
        let later = ReportPeriod(first: CivilDate("2026-11-24"), last: nil, timeZone: HistoryFixture.paris)
        let empty = try await CarrierReport(
            history: history, period: later, policy: try fixture.policy("limits"), panel: fixture.panel, sites: [fixture.site])
        #expect(empty.bookings == 0 && empty.lines.allSatisfy { $0.attempts == 0 && $0.breakerOpenings == 0 })
    }

    @Test func relaisctlPrintsTheReportsAsTablesJSONAndCSV() async throws {
        let fixture = try await bookedHistory()
        defer { fixture.remove() }
        let simulate = await HistoryCommands.simulate(
            policyFile: fixture.path("policies/new.toml"), since: "2026-11-01", until: nil, carriers: nil,
            configFile: fixture.configPath, database: nil, format: .text)
        #expect(simulate.status == .success)
        #expect(simulate.stdout.contains("5 replayed, 3 change service"))
        #expect(simulate.stdout.contains("alpha/A1  beta/B1"))
        let json = await HistoryCommands.simulate(
            policyFile: fixture.path("policies/new.toml"), since: nil, until: nil, carriers: nil, configFile: fixture.configPath,
            database: fixture.databasePath, format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["changed"] as? Int == 3)
        #expect((object["delta"] as? [String: Any])?["price_total"] as? String == "6.00")
        #expect((object["simulated"] as? [String: Any])?["cost_mean"] as? String == "10.9322")
        let csv = await HistoryCommands.simulate(
            policyFile: fixture.path("policies/new.toml"), since: nil, until: nil, carriers: nil, configFile: fixture.configPath,
            database: nil, format: .csv)
        #expect(csv.stdout.hasPrefix("metric,from,to,recorded,simulated,delta\r\n"))
        #expect(csv.stdout.contains("total price,,,35.00,41.00,+6.00\r\n"))
        #expect(csv.stdout.contains("moved,alpha/A1,beta/B1,,3,\r\n"))

        let emissions = await HistoryCommands.emissions(month: "2026-11", configFile: fixture.configPath, database: nil, format: .csv)
        #expect(emissions.stdout.contains("alpha,A1,5,5,13.000,2.300,1,"))
        #expect(await HistoryCommands.emissions(month: "November", configFile: fixture.configPath, database: nil, format: .text).status == .invalid)

        let carriers = await HistoryCommands.carriers(since: "2026-11-01", configFile: fixture.configPath, database: nil, format: .text)
        #expect(carriers.status == .success)
        #expect(carriers.stdout.contains("5 booked; policy limits"))
        let badDate = await HistoryCommands.carriers(since: "23/11/2026", configFile: fixture.configPath, database: nil, format: .text)
        #expect(badDate.status == .invalid)
        #expect(badDate.stderr.contains("YYYY-MM-DD"))
        let backwards = await HistoryCommands.simulate(
            policyFile: fixture.path("policies/new.toml"), since: "2026-11-30", until: "2026-11-01", carriers: nil,
            configFile: fixture.configPath, database: nil, format: .text)
        #expect(backwards.status == .invalid && backwards.stderr.contains("before --since"))
        let noDatabase = await HistoryCommands.carriers(
            since: "2026-11-01", configFile: fixture.configPath, database: fixture.path("nowhere.sqlite"), format: .text)
        #expect(noDatabase.status == .cannotRun)
    }
}
