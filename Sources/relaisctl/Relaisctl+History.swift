import ArgumentParser
import RelaisCommands
import RelaisReports

/// `--config`, `--database` and the output format, shared by the commands that read the
/// database without the daemon.
struct HistoryOptions: ParsableArguments {
    @Option(name: .long, help: "relais.toml: the sites, and paths.state for the database (default: /etc/relais/relais.toml).")
    var config: String?

    @Option(
        name: .long,
        help: "Read this SQLite database file instead of the store relais.toml names ([store], else paths.state/relais.sqlite); a copy will do.")
    var database: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Print CSV (RFC 4180).")
    var csv = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write the report as one self-contained HTML page with charts to this file (no script, nothing fetched; prints on A4).",
            valueName: "file"))
    var html: String?

    @Option(name: .long, help: "How figures read in the HTML page: neutral (1234.50) or fr (1 234,50). Text, JSON and CSV stay neutral.")
    var locale: NumberStyle.Locale = .neutral

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv: choose one") }
        if html == nil && locale != .neutral { throw ValidationError("--locale applies to the --html page: add --html FILE") }
    }

    var format: ReportFormat { json ? .json : csv ? .csv : .text }

    var htmlOutput: HTMLOutput? { html.map { HTMLOutput(file: $0, style: NumberStyle(locale: locale)) } }
}

extension Relaisctl {
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay recorded shipments under another policy and compare with what was recorded.",
            discussion: """
                Reads the records read-only, from a snapshot: it never blocks relaisd, and works on a \
                copy of the database with no daemon running (--database). With a [store] in relais.toml, \
                it reads that PostgreSQL database. Dates are days in the first \
                site's time zone, both included. Costs are valued at the new policy's prices on both sides.
                """)

        @Option(name: .long, help: "The policy to try.")
        var policy: String

        @Option(name: .long, help: "First day replayed, YYYY-MM-DD (default: the first recorded).")
        var since: String?

        @Option(name: .long, help: "Last day replayed, YYYY-MM-DD, included (default: the last recorded).")
        var until: String?

        @Option(name: .long, help: "The carrier panel directory (default: paths.carriers of the config).")
        var carriers: String?

        @OptionGroup var options: HistoryOptions

        func run() async throws {
            try emit(
                await HistoryCommands.simulate(
                    policyFile: policy, since: since, until: until, carriers: carriers, configFile: options.config,
                    database: options.database, format: options.format, html: options.htmlOutput))
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reports from the records: emissions, carriers, promise.",
            subcommands: [Emissions.self, CarrierFigures.self, Promise.self])

        struct Emissions: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "CO2e of the month's booked shipments per carrier and service, with data quality and method.")

            @Option(name: .long, help: "The month, YYYY-MM (days of the first site's time zone).")
            var month: String

            @Option(name: .long, help: "The last month, YYYY-MM, included: the months from --month to it, with a line per month.")
            var through: String?

            @OptionGroup var options: HistoryOptions

            func run() async throws {
                try emit(
                    await HistoryCommands.emissions(
                        month: month, through: through, configFile: options.config, database: options.database, format: options.format,
                        html: options.htmlOutput))
            }
        }

        struct CarrierFigures: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "carriers",
                abstract:
                    "Bookings, failures by class, breaker openings, mean price, allocation limits, deliveries and shares on time per carrier.",
                discussion: """
                    Of the shipments booked since --since: per carrier, the figures above; per carrier and per \
                    carrier service, those delivered, their measured transit p90 in delivery days, and the shares \
                    delivered by promised_by and by the ETA at the policy's confidence (see report promise).
                    """)

            @Option(name: .long, help: "First day, YYYY-MM-DD (days of the first site's time zone).")
            var since: String

            @OptionGroup var options: HistoryOptions

            func run() async throws {
                try emit(
                    await HistoryCommands.carriers(
                        since: since, configFile: options.config, database: options.database, format: options.format,
                        html: options.htmlOutput))
            }
        }
    }
}

extension Relaisctl.Report {
    struct Promise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measured transit and deliveries on time per carrier, service and zone, beside the declared transit.",
            discussion: """
                Of the shipments booked from --since to --until: those delivered (tracking), their transit in \
                delivery days from the pickup date to the delivered date, counted as the service's calendar \
                counts them (delivery_days, holidays skipped), at p50/p90/p99 beside carrier.toml's transit, \
                and the shares delivered by promised_by and by the ETA at the policy's confidence. With \
                --suggest, prints instead the transit line of each service that the measurements support \
                (zones with fewer than \(PromiseReport.suggestionMinimum) deliveries keep their declared transit), \
                to paste in carrier.toml.
                """)

        @Option(name: .long, help: "First booking day, YYYY-MM-DD (days of the first site's time zone).")
        var since: String

        @Option(name: .long, help: "Last booking day, YYYY-MM-DD, included (default: the last recorded).")
        var until: String?

        @Flag(name: .long, help: "Print the transit lines the measurements support, as written in carrier.toml.")
        var suggest = false

        @OptionGroup var options: HistoryOptions

        func run() async throws {
            try emit(
                await HistoryCommands.promise(
                    since: since, until: until, suggest: suggest, configFile: options.config, database: options.database,
                    format: options.format, html: options.htmlOutput))
        }
    }
}

extension NumberStyle.Locale: ExpressibleByArgument {}
