import Foundation
import Logging
import PostgresNIO
import RelaisConfig
import RelaisCore
import RelaisPostgres
import RelaisRecords
import RelaisStore
import RelaisReports

/// How a report prints.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, csv
}

/// Where a report's HTML form goes, and how its figures read (`--html FILE`, `--locale`).
public struct HTMLOutput: Sendable {
    public var file: String
    public var style: NumberStyle

    public init(file: String, style: NumberStyle = .neutral) {
        self.file = file
        self.style = style
    }
}

/// `relaisctl simulate` and `relaisctl report`: read the records without the daemon, from
/// read-only snapshots: the SQLite file relais.toml names (`paths.state`, or `--database`,
/// a copy will do), or the PostgreSQL database of its `[store]` (SPEC §16).
public enum HistoryCommands {
    /// relais.toml and the records it names, open for reading.
    struct Context {
        var config: DaemonConfig
        var history: any RecordHistory
        /// Report days are this time zone's: the first site's, else UTC.
        var timeZone: TimeZone
    }

    /// A command that cannot go on, with what it prints.
    struct Refusal: Error {
        var output: CommandOutput
    }

    /// Runs `body` with relais.toml and its records: `--database` (a SQLite file) when
    /// given, else the `[store]` PostgreSQL database when relais.toml has one (its client
    /// runs for the command's length), else `paths.state/relais.sqlite`.
    static func withContext(
        configFile: String?, database: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        _ body: (Context) async -> CommandOutput
    ) async -> CommandOutput {
        let settings = Settings.resolve(configFile: configFile, carriers: nil, policies: nil)
        guard let configPath = settings.configFile else {
            return CommandOutput(
                stderr: "needs relais.toml for the sites and the database: pass --config FILE (no \(DaemonConfigLoader.defaultPath))\n",
                status: .cannotRun)
        }
        let config: DaemonConfig
        do {
            config = try DaemonConfigLoader.load(file: configPath)
        } catch {
            return CommandOutput(stderr: "\(error)\n", status: .cannotRun)
        }
        let timeZone = config.sites.first?.timeZone ?? TimeZone(identifier: "UTC")!
        guard database == nil, let shared = config.store else {
            do {
                let history = try SQLiteHistory(path: database ?? config.databaseFile)
                return await body(Context(config: config, history: history, timeZone: timeZone))
            } catch {
                return CommandOutput(stderr: "\(error)\n", status: .cannotRun)
            }
        }
        var quiet = Logger(label: "relais.postgres")
        quiet.logLevel = .error
        let client: PostgresClient
        do {
            client = try StoreClient.make(
                shared, config: config, environment: environment, applicationName: "relaisctl", maximumConnections: 2, logger: quiet)
        } catch {
            return CommandOutput(stderr: "[store]: \(error)\n", status: .cannotRun)
        }
        let history = PostgresHistory(client: client, source: shared.url, logger: quiet)
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                try await history.checkSchema()
            } catch {
                return CommandOutput(stderr: "\(shared.url): \(error)\n", status: .cannotRun)
            }
            return await body(Context(config: config, history: history, timeZone: timeZone))
        }
    }

    /// `--since` and `--until`, each optional, the second not before the first.
    static func dates(since: String?, until: String?) throws(Refusal) -> (CivilDate?, CivilDate?) {
        let (first, last) = (try date(since, option: "--since"), try date(until, option: "--until"))
        if let first, let last, last < first {
            throw Refusal(output: CommandOutput(stderr: "--until \(last) is before --since \(first)\n", status: .invalid))
        }
        return (first, last)
    }

    static func date(_ text: String?, option: String) throws(Refusal) -> CivilDate? {
        guard let text else { return nil }
        guard let date = CivilDate(text) else {
            throw Refusal(output: CommandOutput(stderr: "\(option) \(text): not a date; write YYYY-MM-DD\n", status: .invalid))
        }
        return date
    }

    /// Writes `report`'s page to `html.file` (atomically: a reader never sees half a page) and
    /// adds what happened to `output`. The printed form is unchanged.
    static func write(_ report: some HTMLReport, to html: HTMLOutput?, output: inout CommandOutput) {
        guard let html else { return }
        do {
            try Data(report.htmlPage(style: html.style).render().utf8).write(to: URL(fileURLWithPath: html.file), options: .atomic)
        } catch {
            output.stderr += "--html \(html.file): cannot write: \(error.localizedDescription)\n"
            output.status = .cannotRun
        }
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? ""
    }

    // MARK: simulate

    /// Replays the period's recorded shipments under `policyFile` and compares.
    public static func simulate(
        policyFile: String, since: String?, until: String?, carriers: String?, configFile: String?, database: String?,
        format: ReportFormat, html: HTMLOutput? = nil
    ) async -> CommandOutput {
        let first: CivilDate?, last: CivilDate?
        do throws(Refusal) {
            (first, last) = try dates(since: since, until: until)
        } catch {
            return error.output
        }
        return await withContext(configFile: configFile, database: database) { context in
            await simulate(policyFile: policyFile, first: first, last: last, carriers: carriers, context: context, format: format, html: html)
        }
    }

    static func simulate(
        policyFile: String, first: CivilDate?, last: CivilDate?, carriers: String?, context: Context, format: ReportFormat,
        html: HTMLOutput?
    ) async -> CommandOutput {
        let engine: DecisionEngine
        do {
            let panel = try PanelLoader.load(directory: carriers ?? context.config.paths.carriers)
            let policy = try PolicyLoader.load(file: policyFile, panel: panel.panel, siteIDs: Set(context.config.sites.map(\.id)))
            engine = DecisionEngine(panel: panel.panel, policy: policy)
        } catch {
            return CommandOutput(stderr: "\(error)\n", status: .cannotRun)
        }
        let report: SimulationReport
        do {
            report = try await PolicySimulation(engine: engine, sites: context.config.sites)
                .run(history: context.history, period: ReportPeriod(first: first, last: last, timeZone: context.timeZone))
        } catch {
            return CommandOutput(stderr: "\(context.history.source): \(error)\n", status: .cannotRun)
        }
        var output = CommandOutput()
        switch format {
        case .json: output.stdout = json(report)
        case .csv: output.stdout = simulationCSV(report)
        case .text: output.stdout = simulationText(report)
        }
        for example in report.skippedExamples { output.stderr += "skipped \(example.shipment): \(example.reason)\n" }
        if report.skipped > report.skippedExamples.count {
            output.stderr += "… \(report.skipped - report.skippedExamples.count) more skipped\n"
        }
        write(report, to: html, output: &output)
        return output
    }

    static func simulationText(_ report: SimulationReport) -> String {
        var text = """
            policy     \(report.policy.name) (\(report.policy.sha256.prefix(12)))
            recorded   \(report.recordedPolicies.map { "\($0.name) (\($0.sha256.prefix(12))) \($0.shipments)" }.joined(separator: ", "))
            period     \(report.period)
            shipments  \(report.shipments) replayed, \(report.changed) change service\(report.skipped > 0 ? ", \(report.skipped) skipped" : "")

            """
        var table = TextTable([("", .left), ("recorded", .right), ("simulated", .right), ("delta", .right)])
        for row in report.rows() { table.add([row.metric, row.recorded, row.simulated, row.delta]) }
        text += "\n" + table.render()
        text += "prices in \(report.currency); costs at the new policy's prices on both sides; late = sent knowing the promise would be missed\n"
        if report.otherCurrency > 0 {
            text += "warning: \(report.otherCurrency) recorded shipments were priced in another currency than \(report.currency)\n"
        }
        if !report.changes.isEmpty {
            var moves = TextTable([("from", .left), ("to", .left), ("shipments", .right)])
            for change in report.changes { moves.add([change.from, change.to, "\(change.shipments)"]) }
            text += "\nchanges:\n" + moves.render(indent: "  ")
        }
        return text
    }

    static func simulationCSV(_ report: SimulationReport) -> String {
        var text = CSV.line(["metric", "from", "to", "recorded", "simulated", "delta"])
        for row in report.rows() { text += CSV.line([row.metric, "", "", row.recorded, row.simulated, row.delta]) }
        for change in report.changes { text += CSV.line(["moved", change.from, change.to, "", "\(change.shipments)", ""]) }
        return text
    }

    // MARK: report emissions

    public static func emissions(
        month: String, through: String? = nil, configFile: String?, database: String?, format: ReportFormat,
        html: HTMLOutput? = nil
    ) async -> CommandOutput {
        await withContext(configFile: configFile, database: database) { context in
            await emissions(month: month, through: through, context: context, format: format, html: html)
        }
    }

    static func emissions(month: String, through: String?, context: Context, format: ReportFormat, html: HTMLOutput?) async -> CommandOutput {
        guard let period = ReportPeriod(month: month, timeZone: context.timeZone) else {
            return CommandOutput(stderr: "--month \(month): write the month as YYYY-MM\n", status: .invalid)
        }
        var months = period
        if let through {
            guard ReportPeriod(month: through, timeZone: context.timeZone) != nil else {
                return CommandOutput(stderr: "--through \(through): write the month as YYYY-MM\n", status: .invalid)
            }
            guard let range = ReportPeriod(months: month, through: through, timeZone: context.timeZone) else {
                return CommandOutput(stderr: "--through \(through) is before --month \(month)\n", status: .invalid)
            }
            months = range
        }
        let report: EmissionsReport
        do {
            report = try await EmissionsReport(history: context.history, period: months)
        } catch {
            return CommandOutput(stderr: "\(context.history.source): \(error)\n", status: .cannotRun)
        }
        var output = CommandOutput()
        switch format {
        case .json: output.stdout = json(report)
        case .csv:
            var text = CSV.line(["carrier", "service", "shipments", "parcels", "tonne_km", "co2e_kg", "data_quality", "method"])
            for line in report.lines + [report.total] { text += CSV.line(line.cells() + [report.method]) }
            output.stdout = text
        case .text:
            var table = TextTable([
                ("carrier", .left), ("service", .left), ("shipments", .right), ("parcels", .right), ("t·km", .right),
                ("CO2e kg", .right), ("quality", .right), ("distance", .left),
            ])
            for line in report.lines + [report.total] { table.add(line.cells() + [line.distanceText()]) }
            output.stdout = "emissions of shipments booked \(report.period), well-to-wheel\n\n" + table.render()
            if report.months.count > 1 {
                var perMonth = TextTable([("month", .left), ("shipments", .right), ("CO2e kg", .right)])
                for month in report.months { perMonth.add(month.cells()) }
                output.stdout += "\nper month:\n" + perMonth.render(indent: "  ")
            }
            output.stdout += "\nmethod: \(report.method)\n"
                + "data quality: 1 default values … 4 measured (décret 2017-639); per shipment: relaisctl show ID\n"
        }
        write(report, to: html, output: &output)
        return output
    }

    // MARK: report carriers

    public static func carriers(
        since: String, configFile: String?, database: String?, format: ReportFormat, html: HTMLOutput? = nil
    ) async -> CommandOutput {
        let first: CivilDate?
        do {
            first = try date(since, option: "--since")
        } catch {
            return error.output
        }
        return await withContext(configFile: configFile, database: database) { context in
            await carriers(first: first, context: context, format: format, html: html)
        }
    }

    static func carriers(first: CivilDate?, context: Context, format: ReportFormat, html: HTMLOutput?) async -> CommandOutput {
        let report: CarrierReport
        do {
            let (panel, policy) = try activePanelAndPolicy(context)
            report = try await CarrierReport(
                history: context.history, period: ReportPeriod(first: first, last: nil, timeZone: context.timeZone), policy: policy,
                panel: panel, sites: context.config.sites)
        } catch {
            return CommandOutput(stderr: "\(error)\n", status: .cannotRun)
        }
        let rows = report.lines.map { $0.cells() }
        var output = CommandOutput()
        switch format {
        case .json: output.stdout = json(report)
        case .csv:
            // Shares as fractions for spreadsheets, not percentages.
            func fraction(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
            let lines = zip(report.lines, rows).map { line, row in
                var cells = row.map { $0 == "-" ? "" : $0 }
                for (index, share) in zip(
                    CarrierReport.shareColumns,
                    [line.share, line.maxShare, line.promise.onTimePromisedShare, line.promise.onTimeETAShare])
                {
                    cells[index] = fraction(share)
                }
                return CSV.line(cells)
            }
            output.stdout = CSV.line(CarrierReport.columns.map(\.csv)) + lines.joined()
        case .text:
            var table = TextTable(CarrierReport.columns.enumerated().map { ($0.element.title, $0.offset == 0 ? .left : .right) })
            for row in rows { table.add(row) }
            let headings = PromiseReport.columns(confidence: report.confidence)
            var services = TextTable(CarrierReport.serviceColumns.map { (headings[$0].title, $0 < 2 ? TextTable.Alignment.left : .right) })
            for row in report.serviceRows() { services.add(row) }
            output.stdout = "carriers \(report.period) — \(report.bookings) booked; policy \(report.policy)\n\n" + table.render()
                + "\npromise per carrier service:\n" + services.render(indent: "  ")
                + "\n" + CarrierReport.notes.map { $0 + "\n" }.joined()
        }
        write(report, to: html, output: &output)
        return output
    }

    /// relais.toml's carrier panel and active policy.
    static func activePanelAndPolicy(_ context: Context) throws -> (CarrierPanel, Policy) {
        let panel = try PanelLoader.load(directory: context.config.paths.carriers)
        let policy = try PolicyLoader.load(
            file: context.config.activePolicyFile, panel: panel.panel, siteIDs: Set(context.config.sites.map(\.id)))
        return (panel.panel, policy)
    }

    // MARK: report promise

    /// `relaisctl report promise`: measured transit and shares on time per carrier, service
    /// and zone; with `suggest`, the `transit` lines the measurements support instead.
    public static func promise(
        since: String, until: String?, suggest: Bool = false, configFile: String?, database: String?, format: ReportFormat,
        html: HTMLOutput? = nil
    ) async -> CommandOutput {
        let first: CivilDate?, last: CivilDate?
        do throws(Refusal) {
            if suggest && format == .csv {
                throw Refusal(output: CommandOutput(stderr: "--suggest prints carrier.toml lines: not with --csv\n", status: .invalid))
            }
            (first, last) = try dates(since: since, until: until)
        } catch {
            return error.output
        }
        return await withContext(configFile: configFile, database: database) { context in
            await promise(first: first, last: last, suggest: suggest, context: context, format: format, html: html)
        }
    }

    static func promise(first: CivilDate?, last: CivilDate?, suggest: Bool, context: Context, format: ReportFormat, html: HTMLOutput?)
        async -> CommandOutput
    {
        let report: PromiseReport
        do {
            let (panel, policy) = try activePanelAndPolicy(context)
            report = try await PromiseReport(
                history: context.history, period: ReportPeriod(first: first, last: last, timeZone: context.timeZone), panel: panel,
                policy: policy, sites: context.config.sites)
        } catch {
            return CommandOutput(stderr: "\(error)\n", status: .cannotRun)
        }
        var output = CommandOutput()
        let columns = PromiseReport.columns(confidence: report.confidence)
        switch (format, suggest) {
        case (.json, true): output.stdout = json(report.suggestions().map(SuggestionJSON.init))
        case (.json, false): output.stdout = json(report)
        case (.csv, _):
            let lines = report.lines.map { line in
                var cells = line.cells().map { $0 == "-" ? "" : $0 }
                for (index, share) in zip(PromiseReport.shareColumns, [line.onTimePromisedShare, line.onTimeETAShare]) {
                    cells[index] = share.map { String(format: "%.4f", $0) } ?? ""
                }
                return CSV.line(cells)
            }
            output.stdout = CSV.line(columns.map(\.csv)) + lines.joined()
        case (.text, true):
            let suggestions = report.suggestions()
            output.stdout = suggestions.isEmpty
                ? "# no zone has \(PromiseReport.suggestionMinimum) deliveries booked \(report.period): transit stays as declared\n"
                : suggestions.map { "\($0.comment(minimum: PromiseReport.suggestionMinimum))\n\($0.line)\n" }.joined(separator: "\n")
        case (.text, false):
            var table = TextTable(columns.enumerated().map { ($0.element.title, $0.offset < 3 ? TextTable.Alignment.left : .right) })
            for line in report.lines { table.add(line.cells()) }
            if !report.lines.isEmpty { table.add(report.total.cells()) }
            output.stdout = "promise \(report.period) — \(report.total.booked) booked, \(report.total.delivered) delivered; "
                + "policy \(report.policy), ETA at \(report.confidence.rawValue)\n\n" + table.render() + "\n"
                + report.notes.map { $0 + "\n" }.joined()
        }
        for example in report.skippedExamples { output.stderr += "not measured \(example.shipment): \(example.reason)\n" }
        if report.skipped > report.skippedExamples.count {
            output.stderr += "… \(report.skipped - report.skippedExamples.count) more not measured\n"
        }
        write(report, to: html, output: &output)
        return output
    }

    /// One `--suggest --json` entry.
    struct SuggestionJSON: Encodable {
        struct Zone: Encodable {
            var zone: String
            var p50: Int, p90: Int, p99: Int
            var measured: Bool
            var deliveries: Int
        }

        var carrier: String
        var service: String
        var line: String
        var changed: Bool
        var zones: [Zone]

        init(_ suggestion: PromiseReport.Suggestion) {
            carrier = suggestion.carrier
            service = suggestion.service
            line = suggestion.line
            changed = suggestion.changed
            zones = suggestion.zones.map {
                Zone(zone: $0.zone, p50: $0.transit.p50, p90: $0.transit.p90, p99: $0.transit.p99, measured: $0.measured, deliveries: $0.deliveries)
            }
        }
    }
}
