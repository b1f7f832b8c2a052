import Foundation
import RelaisStore
import RelaisTesting
import RelaisXML
import Testing
@testable import RelaisCommands
@testable import RelaisCore
@testable import RelaisRecords
@testable import RelaisReports

/// The HTML forms of `simulate`, `report emissions`, `report promise` and `report carriers` (`--html FILE`):
/// well-formed, self-contained, escaped, and showing every figure the text form prints.
@Suite struct HTMLReportTests {
    /// The four reports of one history, as text and as HTML (neutral figures).
    struct Rendered {
        var name: String
        var text: String
        var html: String
    }

    static func render(_ fixture: HistoryFixture, locale: NumberStyle.Locale = .neutral, simulate policy: String = "new")
        async throws -> [Rendered]
    {
        let directory = fixture.path("html")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func run(_ name: String, _ command: (ReportFormat, HTMLOutput?) async -> CommandOutput) async throws -> Rendered {
            let file = "\(directory)/\(name).html"
            let withPage = await command(.text, HTMLOutput(file: file, style: NumberStyle(locale: locale)))
            #expect(withPage.status == .success, "\(name): \(withPage.stderr)")
            // --html leaves the printed form as it was.
            let withoutPage = await command(.text, nil)
            #expect(withoutPage.stdout == withPage.stdout)
            return Rendered(name: name, text: withPage.stdout, html: try String(contentsOfFile: file, encoding: .utf8))
        }
        return [
            try await run("simulate") { format, html in
                await HistoryCommands.simulate(
                    policyFile: fixture.path("policies/\(policy).toml"), since: "2026-11-01", until: nil, carriers: nil,
                    configFile: fixture.configPath, database: nil, format: format, html: html)
            },
            try await run("emissions") { format, html in
                await HistoryCommands.emissions(month: "2026-11", configFile: fixture.configPath, database: nil, format: format, html: html)
            },
            try await run("promise") { format, html in
                await HistoryCommands.promise(
                    since: "2026-11-01", until: nil, configFile: fixture.configPath, database: nil, format: format, html: html)
            },
            try await run("carriers") { format, html in
                await HistoryCommands.carriers(since: "2026-11-01", configFile: fixture.configPath, database: nil, format: format, html: html)
            },
        ]
    }

    /// The page parsed by libxml2 (RelaisXML: no DTD, so the HTML5 doctype line is set aside).
    static func parse(_ html: String) throws -> XMLElement {
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        return try XML.parse(String(html.dropFirst("<!DOCTYPE html>\n".count)))
    }

    /// Every character of text in the page, element by element.
    static func texts(_ element: XMLElement) -> [String] { [element.text] + element.children.flatMap(texts) }

    static func elements(_ element: XMLElement, named name: String) -> [XMLElement] {
        (element.name == name ? [element] : []) + element.children.flatMap { elements($0, named: name) }
    }

    /// The words of the text form that carry a figure: counts, amounts, shares, dates, hashes.
    static func figures(in text: String) -> Set<String> {
        let separators = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "(),;:"))
        return Set(
            text.components(separatedBy: separators).filter { word in word.contains { $0.isNumber } }
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".")) })
    }

    @Test func eachPageIsWellFormedAndShowsEveryFigureOfTheTextReport() async throws {
        let fixture = try await ReportTests().bookedHistory()
        defer { fixture.remove() }
        for report in try await Self.render(fixture) {
            let root = try Self.parse(report.html)
            #expect(root.name == "html")
            let text = Self.texts(root).joined(separator: "\n")
            let figures = Self.figures(in: report.text)
            #expect(figures.count >= 8, "\(report.name): \(figures)")
            for figure in figures.sorted() {
                #expect(text.contains(figure), "\(report.name): \(figure) is in the text report, not in the HTML page")
            }
            #expect(!Self.elements(root, named: "svg").isEmpty, "\(report.name) has no chart")
        }
        // No failure in this history: a sentence says so instead of a chart of zeros.
        #expect(try await Self.render(fixture).last?.html.contains("No failed booking attempt and no breaker opening") == true)
    }

    @Test func theSimulationPageNamesBothPoliciesWithTheirHashesAndDrawsTheMoves() async throws {
        let fixture = try await ReportTests().bookedHistory()
        defer { fixture.remove() }
        let page = try #require(try await Self.render(fixture).first)
        let root = try Self.parse(page.html)
        let text = Self.texts(root).joined(separator: "\n")
        let tried = try fixture.policy("new"), recorded = try fixture.policy("old")
        #expect(text.contains(tried.sha256) && text.contains(recorded.sha256))
        #expect(text.contains("recorded under") && text.contains("old, 5 shipments"))
        // One band per move (alpha/A1 → beta/B1, 3 shipments), with its count.
        let bands = Self.elements(root, named: "path")
        #expect(bands.count == 1)
        #expect(bands.first?.child("title")?.text == "alpha/A1 → beta/B1: 3 shipments")
        // Recorded and simulated side by side: six small charts of two bars each.
        let figures = Self.elements(root, named: "figure")
        #expect(figures.count == 7)
        // Mean lead days: 3.00 recorded, 1.80 simulated (3 × 1 day + 2 × 3 days).
        #expect(text.contains("Mean lead time") && text.contains("1.80"))
    }

    @Test func pagesFetchNothingAndRunNothing() async throws {
        let fixture = try await ReportTests().bookedHistory()
        defer { fixture.remove() }
        for report in try await Self.render(fixture) {
            for forbidden in ["<script", "src=", "href=", "<link", "url(", "@import", "http://", "https://", "<img", "<iframe"] {
                #expect(!report.html.lowercased().contains(forbidden), "\(report.name) contains \(forbidden)")
            }
            #expect(report.html.contains("@page{size:A4"))
        }
    }

    @Test func hostileNamesAreEscapedEverywhere() async throws {
        let fixture = try await ReportTests().bookedHistory()
        defer { fixture.remove() }
        let hostile = "<script>alert('x')</script> & \"quoted\" \u{1}"
        let policy = HistoryFixture.policy(name: "p", perDay: "1.50", perKg: "0.10")
            .replacingOccurrences(of: "name = \"p\"", with: "name = \"<script>alert('x')</script> & \\\"quoted\\\"\"")
        try policy.write(toFile: fixture.path("policies/hostile.toml"), atomically: true, encoding: .utf8)
        let pages = try await Self.render(fixture, simulate: "hostile")
        let simulation = try #require(pages.first)
        #expect(!simulation.html.contains("<script"))
        let text = Self.texts(try Self.parse(simulation.html)).joined()
        #expect(text.contains("What <script>alert('x')</script> & \"quoted\" would have done"))

        // A carrier name in every chart of the carriers page, and one XML cannot carry.
        let history = try SQLiteHistory(path: fixture.databasePath)
        var report = try await CarrierReport(
            history: history, period: ReportPeriod(first: CivilDate("2026-11-01"), last: nil, timeZone: HistoryFixture.paris),
            policy: try fixture.policy("limits"), panel: fixture.panel, sites: [fixture.site])
        report.lines[0].carrier = hostile
        for index in report.days.indices {
            report.days[index].perCarrier[hostile] = report.days[index].perCarrier.removeValue(forKey: "alpha")
        }
        let html = report.htmlPage(style: .neutral).render()
        #expect(!html.contains("<script"))
        let root = try Self.parse(html)
        let titles = Self.elements(root, named: "title").map(\.text)
        #expect(titles.contains { $0.hasPrefix("<script>alert('x')</script> & \"quoted\" \u{FFFD}") })
        #expect(Self.texts(root).contains { $0.contains("<script>alert('x')</script> & \"quoted\" \u{FFFD}") })
    }

    @Test func frenchFiguresOnAskingNeutralOtherwise() async throws {
        let fixture = try await ReportTests().bookedHistory()
        defer { fixture.remove() }
        let emissions = try #require(try await Self.render(fixture, locale: .fr).dropFirst().first)
        #expect(emissions.html.contains("13,000") && emissions.html.contains("2,300"))
        #expect(!emissions.html.contains("13.000"))
        // The printed form stays neutral whatever the page's locale.
        #expect(emissions.text.contains("13.000"))

        let french = NumberStyle.french
        #expect(french.fixed(1234567.891, 2) == "1\u{202F}234\u{202F}567,89")
        #expect(french.percent(0.625) == "62,5\u{202F}%")
        #expect(french.signedUnits(-123456, scale: 2) == "-1\u{202F}234,56")
        #expect(french.signedInteger(1500) == "+1\u{202F}500")
        #expect(NumberStyle.neutral.fixed(1234567.891, 2) == "1234567.89")
        #expect(NumberStyle.neutral.percent(0.625) == "62.5%")
        #expect(NumberStyle.neutral.signedFixed(-0.0001, 2) == "0.00")
        #expect(NumberStyle.neutral.signedFixed(0.5, 2) == "+0.50")
    }

    @Test func chartAxesStopAtRoundFigures() {
        let kilograms = ChartScale(values: [0.3, 2.3])
        #expect(kilograms.low == 0 && kilograms.step == 0.5 && kilograms.high == 2.5)
        #expect(kilograms.ticks == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(kilograms.places == 1)
        let euros = ChartScale(values: [41, 35])
        #expect(euros.step == 10 && euros.high == 50 && euros.places == 0)
        let deltas = ChartScale(values: [-3, 7])
        #expect(deltas.low == -4 && deltas.high == 8 && deltas.step == 2)
        let nothing = ChartScale(values: [])
        #expect(nothing.low == 0 && nothing.high > 0)
        #expect(ChartScale(values: [0.2], ceiling: 1).high == 1)
    }

    @Test func aLineChartLeavesAGapWhereADayHasNoFigure() throws {
        let chart = LineChart(
            title: "share", xLabels: ["11-02", "11-03", "11-04", "11-05", "11-06"],
            series: [LineChart.Series("alpha", [0.5, 0.6, nil, 0.4, 0.3], limit: 0.5)], unit: "share", ceiling: 1,
            tick: { value, _ in NumberStyle.neutral.percent(value, places: 0) })
        let root = try XML.parse(chart.svg.markup)
        #expect(Self.elements(root, named: "polyline").count == 2)
        #expect(Self.elements(root, named: "circle").count == 4)
        // The limit: one dashed line across.
        #expect(Self.elements(root, named: "line").filter { $0.attributes["stroke-dasharray"] != nil }.count == 2)  // legend + limit
        #expect(Self.texts(root).contains("100%"))
    }

    /// Two weeks of weekdays on both carriers: `old` the first week, `new` the second (light
    /// parcels move to beta), a transient failure and a breaker opening on two days, and beta
    /// replying with the price it charged.
    static func twoWeeks() async throws -> HistoryFixture {
        let fixture = try HistoryFixture()
        let firstMonday = try #require(CivilDate("2026-11-09"))
        for offset in 0..<12 where offset % 7 < 5 {
            let date = CivilDate(dayNumber: firstMonday.dayNumber + offset)
            let now = HistoryFixture.monday + Int64(offset - 14) * 86_400_000
            let orders = (0..<(6 + offset % 5 * 2)).map { index in (id: "D\(offset)-\(index)", kg: index % 3 == 0 ? 10.0 : 2.0) }
            try await fixture.record(orders, policy: offset < 7 ? "old" : "new", now: now, readyAt: "\(date)T10:00:00+01:00")
            let at = now + 60_000
            var claimed = try await fixture.store.claim(limit: 1_000, now: at)
            if offset == 2 || offset == 9, let first = claimed.first, let carrier = first.carrier, let service = first.service {
                try await fixture.store.commit(
                    [
                        BookingOutcome(
                            shipment: first.id, carrier: carrier, service: service, result: .deferred(until: (at + 1_000).instant),
                            failureClass: .transient, httpStatus: 503, startedAt: at.instant, finishedAt: at.instant, detail: "HTTP 503")
                    ], breakerOpenings: [BreakerOpening(carrier: carrier, at: at.instant, detail: "opened; last failure: HTTP 503")],
                    now: at.instant)
                // The others stay claimed; the deferred one is claimed again once due.
                claimed = Array(claimed.dropFirst()) + (try await fixture.store.claim(limit: 1_000, now: at + 2_000))
            }
            try await fixture.store.commit(
                claimed.compactMap { shipment in
                    guard let carrier = shipment.carrier, let service = shipment.service else { return nil }
                    return BookingOutcome(
                        shipment: shipment.id, carrier: carrier, service: service,
                        result: .booked(
                            trackingNumber: "T-\(shipment.id)", carrierPrice: carrier == "beta" ? Money(minorUnits: 720) : nil, labelPath: nil),
                        startedAt: (at + 3_000).instant, finishedAt: (at + 3_000).instant)
                }, now: (at + 3_000).instant)
            // Delivered one to three days later, in the afternoon.
            for (index, shipment) in claimed.enumerated() {
                try await fixture.deliver(shipment.id, at: at + Int64(1 + index % 3) * 86_400_000 + 4 * 3_600_000)
            }
        }
        return fixture
    }

    /// With `RELAIS_REPORT_SAMPLES=DIR` it also writes the pages there, for
    /// `scripts/render-reports.sh` to open in Chromium.
    @Test func twoWeeksOfHistoryDrawOnePointPerCarrierAndDay() async throws {
        let fixture = try await Self.twoWeeks()
        defer { fixture.remove() }
        let pages = try await Self.render(fixture, simulate: "capped")
        let history = try SQLiteHistory(path: fixture.databasePath)
        let carriers = try await CarrierReport(
            history: history, period: ReportPeriod(first: CivilDate("2026-11-01"), last: nil, timeZone: HistoryFixture.paris),
            policy: try fixture.policy("limits"), panel: fixture.panel, sites: [fixture.site])
        #expect(carriers.days.count == 10)
        #expect(carriers.days.map(\.bookings).reduce(0, +) == carriers.bookings)
        #expect(carriers.lines.allSatisfy { $0.bookings > 0 })
        #expect(carriers.lines.map(\.breakerOpenings).reduce(0, +) == 2)
        #expect(carriers.lines.first { $0.carrier == "beta" }?.meanCarrierPrice == Money(minorUnits: 720))

        let carriersPage = try #require(pages.last)
        #expect(carriersPage.html.contains("Failed booking attempts by class, and breaker openings"))
        let shares = try #require(Self.elements(try Self.parse(carriersPage.html), named: "svg").first)
        // Both carriers on each of the ten weekdays: ten points each; the weekend between is a
        // gap, so each line is drawn in two runs.
        #expect(Self.elements(shares, named: "circle").count == 20)
        #expect(Self.elements(shares, named: "polyline").count == 4)
        #expect(Self.texts(shares).contains("11-20"))

        let emissions = try await EmissionsReport(
            history: history, period: try #require(ReportPeriod(month: "2026-11", timeZone: HistoryFixture.paris)))
        #expect(emissions.days.count == 30)
        #expect(emissions.days.filter { $0.shipments > 0 }.count == 10)
        #expect(abs(emissions.days.map(\.co2eGrams).reduce(0, +) - emissions.total.co2eGrams) < 1e-6)

        if let directory = ProcessInfo.processInfo.environment["RELAIS_REPORT_SAMPLES"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for page in pages { try page.html.write(toFile: "\(directory)/\(page.name).html", atomically: true, encoding: .utf8) }
        }
    }

    @Test func emissionsOverSeveralMonthsHaveALineAndABarPerMonth() async throws {
        let fixture = try await ReportTests().bookedHistory()
        defer { fixture.remove() }
        // Two light parcels on Monday 2026-10-19, five weeks before the fixture's Monday.
        let october = HistoryFixture.monday - 35 * 86_400_000
        try await fixture.record([("O-1", 2), ("O-2", 2)], now: october, readyAt: "2026-10-19T10:00:00+02:00")
        try await fixture.bookAll(now: october + 60_000)

        let file = fixture.path("emissions.html")
        let output = await HistoryCommands.emissions(
            month: "2026-10", through: "2026-11", configFile: fixture.configPath, database: nil, format: .text,
            html: HTMLOutput(file: file))
        #expect(output.status == .success, "\(output.stderr)")
        #expect(output.stdout.contains("2026-10-01 – 2026-11-30"))
        // 300 g each in October; November's 2.3 kg.
        #expect(output.stdout.contains("2026-10          2    0.600"))
        #expect(output.stdout.contains("2026-11          5    2.300"))
        let root = try Self.parse(try String(contentsOfFile: file, encoding: .utf8))
        let text = Self.texts(root).joined(separator: "\n")
        for figure in Self.figures(in: output.stdout).sorted() {
            #expect(text.contains(figure), "\(figure) is in the text report, not in the HTML page")
        }
        // The per-month chart: one bar per month for alpha/A1.
        let monthChart = try #require(
            Self.elements(root, named: "svg").first { $0.child("title")?.text == "CO2e per month and carrier service, kg" })
        #expect(Self.elements(monthChart, named: "rect").filter { $0.child("title") != nil }.count == 2)

        // A page that cannot be written: the printed form stands, the exit status says so.
        let unwritable = await HistoryCommands.emissions(
            month: "2026-11", configFile: fixture.configPath, database: nil, format: .text,
            html: HTMLOutput(file: fixture.path("no/such/directory/emissions.html")))
        #expect(unwritable.status == .cannotRun && unwritable.stderr.hasPrefix("--html \(fixture.path("no/such/directory/emissions.html")): cannot write"))
        #expect(unwritable.stdout.contains("2.300"))

        let backwards = await HistoryCommands.emissions(
            month: "2026-11", through: "2026-10", configFile: fixture.configPath, database: nil, format: .text)
        #expect(backwards.status == .invalid && backwards.stderr.contains("before --month"))
        let badMonth = await HistoryCommands.emissions(
            month: "2026-11", through: "2026-13", configFile: fixture.configPath, database: nil, format: .text)
        #expect(badMonth.status == .invalid && badMonth.stderr.contains("YYYY-MM"))
    }
}
