import Foundation
import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisCommands
@testable import RelaisCore
@testable import RelaisRecords
@testable import RelaisReports

/// `relaisctl report promise` and the promise columns of `report carriers`, on a scripted
/// history whose figures can be worked out by hand.
@Suite struct PromiseReportTests {
    /// Friday 2026-11-06 10:00 in Paris, in ms: the orders' ready time, and when they are decided.
    static let friday = HistoryFixture.monday - 17 * 86_400_000

    /// 14:00 in Paris on `day`, in ms.
    static func afternoon(_ day: String) throws -> Int64 {
        try #require(CivilDate(day)).midnight(in: HistoryFixture.paris) * 1000 + 14 * 3_600_000
    }

    /// Ready and picked up on Friday 2026-11-06. alpha/A1 declares 3 delivery days to FR
    /// (mon-sat, FR holidays): Sat 7, Mon 9, Tue 10, so every ETA is Tuesday 2026-11-10;
    /// Wednesday 11 is Armistice Day.
    ///
    /// - 22 heavy parcels (10 kg: alpha only) to Paris. P-0…P-3 are promised by Monday 9
    ///   (alpha cannot: sent late, `fastest`), Q-0…Q-17 by 2026-12-31. Delivered: P on Sat,
    ///   Sun, Mon, Tue; Q ×3 Sat, ×1 Sun, ×5 Mon, ×3 Tue, ×2 Wed (the holiday), ×2 Thu; Q-16
    ///   is in transit, Q-17 has no event. Transit days: Sat 1, Sun 2 (counts as Monday),
    ///   Mon 2, Tue 3, Wed 4 (the holiday counts as Thursday), Thu 4: 4 × 1, 8 × 2, 4 × 3,
    ///   4 × 4 of 20. Nearest rank: p50 the 10th = 2, p90 the 18th = 4, p99 the 20th = 4. On
    ///   time by the ETA (Tue): 16 of 20; by promised_by: all but P-3, 19 of 20.
    /// - 2 heavy parcels to Ajaccio (alpha/A1 CORSE), and 1 light parcel under `new` (beta/B1
    ///   FR): booked, not delivered.
    static func history() async throws -> HistoryFixture {
        let fixture = try HistoryFixture()
        let ready = "2026-11-06T10:00:00+01:00"
        try await fixture.record(
            (0..<4).map { (id: "P-\($0)", kg: 10.0) }, now: friday, readyAt: ready, promisedBy: "2026-11-09")
        try await fixture.record((0..<18).map { (id: "Q-\($0)", kg: 10.0) }, now: friday, readyAt: ready)
        try await fixture.record((0..<2).map { (id: "C-\($0)", kg: 10.0) }, now: friday, readyAt: ready, postcode: "20000")
        try await fixture.record([(id: "B-0", kg: 2.0)], policy: "new", now: friday, readyAt: ready)
        try await fixture.bookAll(now: friday + 60_000)

        let days = ["P-0": "2026-11-07", "P-1": "2026-11-08", "P-2": "2026-11-09", "P-3": "2026-11-10"]
            .merging(
                zip(
                    (0..<16).map { "Q-\($0)" },
                    ["07", "07", "07", "08", "09", "09", "09", "09", "09", "10", "10", "10", "11", "11", "12", "12"].map { "2026-11-\($0)" }),
                uniquingKeysWith: { first, _ in first })
        for (order, day) in days {
            try await fixture.deliver(try await shipment(of: order, in: fixture), at: try afternoon(day))
        }
        let moving = try await shipment(of: "Q-16", in: fixture)
        let at = try afternoon("2026-11-07")
        try await fixture.store.recordTracking(
            [
                TrackingPoll(
                    shipmentID: moving, outcome: .events([TrackingEvent(at: at.instant, code: "TR", status: .inTransit)]),
                    pickup: at.instant, bookedAt: at.instant)
            ], schedule: TrackingSchedule(), now: at.instant)
        return fixture
    }

    static func shipment(of order: String, in fixture: HistoryFixture) async throws -> String {
        try #require(try await fixture.store.order(id: order)?.shipmentID)
    }

    static func november(_ fixture: HistoryFixture) async throws -> PromiseReport {
        try await PromiseReport(
            history: SQLiteHistory(path: fixture.databasePath),
            period: ReportPeriod(first: CivilDate("2026-11-01"), last: CivilDate("2026-11-30"), timeZone: HistoryFixture.paris),
            panel: fixture.panel, policy: fixture.policy("limits"), sites: [fixture.site])
    }

    @Test func transitIsCountedInTheServicesDeliveryDaysAndMatchesTheETA() throws {
        let fixture = try HistoryFixture()
        defer { fixture.remove() }
        let service = try #require(fixture.panel.carriers.first?.services.first)
        // Over two months of pickup days, holidays and weekends included, the measured transit of
        // a parcel delivered on the ETA of N days is N, and a day later it is more than N.
        for number in try #require(CivilDate("2026-10-25")).dayNumber..<(try #require(CivilDate("2026-12-31")).dayNumber) {
            let pickup = CivilDate(dayNumber: number)
            for days in 0...6 {
                let eta = service.deliveryDate(pickup: pickup, transitDays: days)
                #expect(service.transitDays(pickup: pickup, delivered: eta) == days, "\(pickup) + \(days)")
                #expect(service.transitDays(pickup: pickup, delivered: eta.adding(days: 1)) > days)
            }
        }
        let friday = try #require(CivilDate("2026-11-06"))
        #expect(service.transitDays(pickup: friday, delivered: friday) == 0)
        #expect(service.transitDays(pickup: friday, delivered: try #require(CivilDate("2026-11-05"))) == 0)
    }

    @Test func measuredTransitAndSharesOnTimePerServiceAndZone() async throws {
        let fixture = try await Self.history()
        defer { fixture.remove() }
        let report = try await Self.november(fixture)
        #expect(report.skipped == 0)
        #expect(report.confidence == .p90)
        // Zones in the panel's order (by name), services in the panel's.
        #expect(report.lines.map { "\($0.key) \($0.zone ?? "")" } == ["alpha/A1 CORSE", "alpha/A1 FR", "beta/B1 FR"])
        let paris = report.lines[1]
        #expect(paris.booked == 22 && paris.delivered == 20)
        #expect(paris.transits.deliveries == [1: 4, 2: 8, 3: 4, 4: 4])
        #expect(paris.transits.measured == TransitTimes(p50: 2, p90: 4, p99: 4))
        #expect(paris.declared == TransitTimes(p50: 3))
        #expect(paris.promised == 20 && paris.onTimePromised == 19)
        #expect(paris.withETA == 20 && paris.onTimeETA == 16)
        #expect(paris.cells() == ["alpha", "A1", "FR", "22", "20", "2", "4", "4", "3", "3", "3", "95.0%", "80.0%"])
        // Booked, none delivered: counted, no figure.
        #expect(report.lines[0].cells() == ["alpha", "A1", "CORSE", "2", "0", "-", "-", "-", "4", "4", "4", "-", "-"])
        #expect(report.lines[2].cells() == ["beta", "B1", "FR", "1", "0", "-", "-", "-", "1", "1", "1", "-", "-"])
        #expect(report.total.booked == 25 && report.total.delivered == 20 && report.total.onTimeETA == 16)

        // The same shipments under report carriers, each carrier's services together.
        let carriers = try await CarrierReport(
            history: SQLiteHistory(path: fixture.databasePath),
            period: ReportPeriod(first: CivilDate("2026-11-01"), last: nil, timeZone: HistoryFixture.paris),
            policy: fixture.policy("limits"), panel: fixture.panel, sites: [fixture.site])
        #expect(carriers.serviceRows() == [["alpha", "A1", "24", "20", "4", "95.0%", "80.0%"], ["beta", "B1", "1", "0", "-", "-", "-"]])
        #expect(carriers.lines.map { Array($0.cells().suffix(4)) } == [["20", "4", "95.0%", "80.0%"], ["0", "-", "-", "-"]])
    }

    @Test func anEmptyPeriodHasNoLineAndSaysSo() async throws {
        let fixture = try await Self.history()
        defer { fixture.remove() }
        let october = try await PromiseReport(
            history: SQLiteHistory(path: fixture.databasePath),
            period: ReportPeriod(first: CivilDate("2026-10-01"), last: CivilDate("2026-10-31"), timeZone: HistoryFixture.paris),
            panel: fixture.panel, policy: fixture.policy("limits"), sites: [fixture.site])
        #expect(october.lines.isEmpty && october.total.booked == 0 && october.suggestions().isEmpty)
        let text = await HistoryCommands.promise(
            since: "2026-10-01", until: "2026-10-31", configFile: fixture.configPath, database: nil, format: .text)
        #expect(text.status == .success)
        #expect(text.stdout.hasPrefix("promise 2026-10-01 – 2026-10-31 — 0 booked, 0 delivered; policy limits, ETA at p90\n"))
        let suggest = await HistoryCommands.promise(
            since: "2026-10-01", until: "2026-10-31", suggest: true, configFile: fixture.configPath, database: nil, format: .text)
        #expect(suggest.stdout == "# no zone has 20 deliveries booked 2026-10-01 – 2026-10-31: transit stays as declared\n")
        let page = october.htmlPage(style: .neutral).render()
        let root = try HTMLReportTests.parse(page)
        #expect(HTMLReportTests.texts(root).contains("No shipment was booked in this period."))
    }

    @Test func suggestPrintsTheTransitLinesTheMeasurementsSupport() async throws {
        let fixture = try await Self.history()
        defer { fixture.remove() }
        let suggestions = try await Self.november(fixture).suggestions()
        // alpha/A1 FR has 20 deliveries: measured; CORSE none: as declared; beta none at all.
        #expect(suggestions.map(\.line) == ["transit = { CORSE = { p50 = 4, p90 = 4, p99 = 4 }, FR = { p50 = 2, p90 = 4, p99 = 4 } }"])
        #expect(suggestions.first?.changed == true)
        let output = await HistoryCommands.promise(
            since: "2026-11-01", until: nil, suggest: true, configFile: fixture.configPath, database: nil, format: .text)
        #expect(output.status == .success)
        #expect(
            output.stdout == """
                # alpha/A1 (Alpha A1): CORSE as declared (0 deliveries, fewer than 20); FR measured on 20 deliveries
                transit = { CORSE = { p50 = 4, p90 = 4, p99 = 4 }, FR = { p50 = 2, p90 = 4, p99 = 4 } }

                """)
        // Fewer deliveries asked: beta still has none; a measured line equal to the declared one says so.
        #expect(try await Self.november(fixture).suggestions(minimum: 1).count == 1)
        let json = await HistoryCommands.promise(
            since: "2026-11-01", until: nil, suggest: true, configFile: fixture.configPath, database: nil, format: .json)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1 && entries[0]["carrier"] as? String == "alpha" && entries[0]["changed"] as? Bool == true)
        #expect((entries[0]["zones"] as? [[String: Any]])?.map { $0["measured"] as? Bool } == [false, true])
        let csv = await HistoryCommands.promise(
            since: "2026-11-01", until: nil, suggest: true, configFile: fixture.configPath, database: nil, format: .csv)
        #expect(csv.status == .invalid)
    }

    @Test func csvJSONTextAndHTMLCarryTheSameFigures() async throws {
        let fixture = try await Self.history()
        defer { fixture.remove() }
        func run(_ format: ReportFormat, html: HTMLOutput? = nil) async -> CommandOutput {
            await HistoryCommands.promise(
                since: "2026-11-01", until: "2026-11-30", configFile: fixture.configPath, database: nil, format: format, html: html)
        }
        let csv = await run(.csv)
        #expect(
            csv.stdout == "carrier,service,zone,booked,delivered,measured_p50,measured_p90,measured_p99,declared_p50,declared_p90,"
                + "declared_p99,on_time_promised,on_time_eta\r\n" + "alpha,A1,CORSE,2,0,,,,4,4,4,,\r\n"
                + "alpha,A1,FR,22,20,2,4,4,3,3,3,0.9500,0.8000\r\n" + "beta,B1,FR,1,0,,,,1,1,1,,\r\n")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(await run(.json).stdout.utf8)) as? [String: Any])
        #expect(json["confidence"] as? String == "p90" && json["policy"] as? String == "limits")
        let lines = try #require(json["lines"] as? [[String: Any]])
        #expect(lines.count == 3)
        #expect(lines[1]["zone"] as? String == "FR")
        #expect(lines[1]["measured"] as? [String: Int] == ["p50": 2, "p90": 4, "p99": 4])
        #expect(lines[1]["declared"] as? [String: Int] == ["p50": 3, "p90": 3, "p99": 3])
        #expect(lines[1]["transit_days"] as? [String: Int] == ["1": 4, "2": 8, "3": 4, "4": 4])
        #expect(lines[1]["on_time_eta_share"] as? Double == 0.8 && lines[1]["on_time_promised_share"] as? Double == 0.95)
        #expect(lines[0]["measured"] as? [String: NSNull] != nil && lines[0]["on_time_eta_share"] is NSNull)
        #expect((json["total"] as? [String: Any])?["delivered"] as? Int == 20)

        let text = await run(.text)
        #expect(text.stdout.hasPrefix("promise 2026-11-01 – 2026-11-30 — 25 booked, 20 delivered; policy limits, ETA at p90\n"))
        let file = fixture.path("promise.html")
        let withPage = await run(.text, html: HTMLOutput(file: file))
        #expect(withPage.stdout == text.stdout)
        let root = try HTMLReportTests.parse(try String(contentsOfFile: file, encoding: .utf8))
        let pageText = HTMLReportTests.texts(root).joined(separator: "\n")
        for figure in HTMLReportTests.figures(in: text.stdout).sorted() {
            #expect(pageText.contains(figure), "\(figure) is in the text report, not in the HTML page")
        }
        #expect(HTMLReportTests.elements(root, named: "svg").count == 2)
        #expect(pageText.contains("transit = { CORSE = { p50 = 4, p90 = 4, p99 = 4 }, FR = { p50 = 2, p90 = 4, p99 = 4 } }"))

        // report carriers: the same figures per carrier in every form.
        let carriersCSV = await HistoryCommands.carriers(since: "2026-11-01", configFile: fixture.configPath, database: nil, format: .csv)
        #expect(carriersCSV.stdout.hasPrefix(CSV.line(CarrierReport.columns.map(\.csv))))
        #expect(carriersCSV.stdout.contains(",20,4,0.9500,0.8000\r\n"))
        let carriersText = await HistoryCommands.carriers(
            since: "2026-11-01", configFile: fixture.configPath, database: nil, format: .text,
            html: HTMLOutput(file: fixture.path("carriers.html")))
        #expect(carriersText.stdout.contains("promise per carrier service:"))
        let carriersPage = HTMLReportTests.texts(
            try HTMLReportTests.parse(try String(contentsOfFile: fixture.path("carriers.html"), encoding: .utf8))
        ).joined(separator: "\n")
        for figure in HTMLReportTests.figures(in: carriersText.stdout).sorted() {
            #expect(carriersPage.contains(figure), "\(figure) is in the carriers text report, not in its HTML page")
        }
        let carriersJSONOutput = await HistoryCommands.carriers(
            since: "2026-11-01", configFile: fixture.configPath, database: nil, format: .json)
        let carriersJSON = try #require(try JSONSerialization.jsonObject(with: Data(carriersJSONOutput.stdout.utf8)) as? [String: Any])
        let services = try #require(carriersJSON["services"] as? [[String: Any]])
        #expect(services.map { $0["delivered"] as? Int } == [20, 0])
        let alpha = try #require((carriersJSON["carriers"] as? [[String: Any]])?.first?["promise"] as? [String: Any])
        #expect(alpha["measured"] as? [String: Int] == ["p50": 2, "p90": 4, "p99": 4])
    }
}
