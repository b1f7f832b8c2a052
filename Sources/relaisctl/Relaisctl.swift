import ArgumentParser
import Foundation
import RelaisCommands
import RelaisControlAPI

@main
struct Relaisctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relaisctl",
        abstract: "Operate Relais, the carrier broker: ask and steer relaisd, validate files, quote orders.",
        discussion: """
            The daemon's socket: --socket PATH, else $RELAIS_SOCKET, else /run/relais/relais.sock. \
            Reads are open to whoever can reach the socket; writes (submit, hold, release, retry, \
            requeue, fail, cancel, reload, outbox replay, webhooks enable) to root, relaisd's user and the operator group.
            Exit statuses: 0 done; 1 invalid input or refused (check found errors, an order was \
            rejected, an unknown id, a state that does not allow the action, a refused reload); \
            2 cannot run (configuration unreadable, relaisd not running); 3 not permitted; \
            4 not yet (a cancel pending at its carrier); 64 bad usage.
            Shell completions: relaisctl --generate-completion-script bash|zsh|fish.
            """,
        version: RelaisVersion.current,
        subcommands: [
            Status.self, Carriers.self, Shipments.self, Show.self, Track.self, Explain.self, Submit.self, Hold.self, Release.self,
            Retry.self, Requeue.self, Fail.self, Cancel.self, Reload.self, Quote.self, Options.self, Check.self, Simulate.self, Report.self,
            Outbox.self, Webhooks.self, Manifests.self, Manifest.self, Return.self,
        ]
    )
}

/// `--socket` and `--json`, shared by every command that talks to relaisd.
struct DaemonOptions: ParsableArguments {
    @Option(name: .long, help: "relaisd's control socket (default: $RELAIS_SOCKET, else /run/relais/relais.sock).")
    var socket: String?

    @Flag(name: .long, help: "Print relaisd's JSON reply instead of a table.")
    var json = false

    var commands: ControlCommands { ControlCommands(client: ControlClient.resolve(option: socket), json: json) }
}

extension Relaisctl {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue figures, the policy in force and each carrier's breaker.")
        @OptionGroup var options: DaemonOptions
        func run() async throws { try emit(await options.commands.status()) }
    }

    struct Carriers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The panel: breakers, openings, services.")
        @OptionGroup var options: DaemonOptions
        func run() async throws { try emit(await options.commands.carriers()) }
    }

    struct Shipments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List shipments, newest first.")
        @OptionGroup var options: DaemonOptions
        @Option(help: "Only this state: queued, booking, booked, deferred, held, uncertain, failed.") var state: String?
        @Option(help: "Only this carrier.") var carrier: String?
        @Option(help: "At most this many (default 100).") var limit: Int?
        func run() async throws { try emit(await options.commands.shipments(state: state, carrier: carrier, limit: limit)) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One shipment: state, carrier, tracking, label, CO2e, attempts.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.show(id: id)) }
    }

    struct Track: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A shipment's tracking: its normalised status and every carrier event, by the carrier's time.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.track(id: id)) }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Why this carrier: the recorded decision, every candidate and its reasons.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.explain(id: id)) }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit order files (JSON object, array or NDJSON) through the socket; accepted orders are durable when it returns.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "Order files.") var files: [String]
        func run() async throws { try emit(await options.commands.submit(files: files)) }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hold a shipment (queued, deferred or failed): it is not booked until released.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.act("hold", id: id)) }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a held shipment; for an uncertain one, your word that the carrier did not book it.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.act("release", id: id)) }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try a deferred shipment now instead of at its next attempt.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.act("retry", id: id)) }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a failed, deferred or held shipment back in the queue.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.act("requeue", id: id)) }
    }

    struct Fail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fail a shipment for good; for an uncertain one, your word that it must not be booked.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.act("fail", id: id)) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a shipment: at its carrier once booked (refused once on a closed manifest or moving), at once before.",
            discussion: "Exit 0 cancelled; 1 refused, with the reason; 4 not yet: pending at the carrier (relaisd asks again) or the carrier did not answer.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The shipment id.") var id: String
        func run() async throws { try emit(await options.commands.cancel(id: id)) }
    }

    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reload carriers and policies, all or nothing (as SIGHUP); a bad file is reported as file:line.")
        @OptionGroup var options: DaemonOptions
        func run() async throws { try emit(await options.commands.reload()) }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate relais.toml, the carrier panel and every policy; print each problem as file:line: message.")

        @Option(name: .long, help: "relais.toml (default: /etc/relais/relais.toml when it exists).")
        var config: String?

        @Option(name: .long, help: "The carrier panel directory (default: paths.carriers of the config).")
        var carriers: String?

        @Option(name: .long, help: "The policies directory (default: paths.policies of the config).")
        var policies: String?

        func run() throws {
            try emit(CheckCommand.run(configFile: config, carriers: carriers, policies: policies))
        }
    }

    struct Quote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide an order file and show the ranking; nothing is stored or booked.",
            discussion: """
                Through relaisd (the policy and panel in force, today's allocations) by default; \
                offline with --config, --carriers or --policy.
                """)

        @Argument(help: "An order file: a JSON object, an array of orders, or NDJSON.")
        var orderFile: String

        @Option(name: .long, help: "Offline: relais.toml, whose [[site]]s orders ship from.")
        var config: String?

        @Option(name: .long, help: "Offline: the carrier panel directory (default: paths.carriers of the config).")
        var carriers: String?

        @Option(name: .long, help: "Offline: the policy file (default: the config's active policy).")
        var policy: String?

        @OptionGroup var options: DaemonOptions

        func run() async throws {
            if config == nil && carriers == nil && policy == nil {
                try emit(await options.commands.quote(file: orderFile))
            } else {
                try emit(
                    QuoteCommand.run(
                        orderFile: orderFile, configFile: config, carriers: carriers, policyFile: policy, json: options.json))
            }
        }
    }
}

extension Relaisctl {
    struct Options: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a cart's delivery options per mode, as a shop would at checkout; nothing is stored.",
            discussion: """
                Through relaisd (POST /v1/options). The cart: {"site" or "origins", "ready_at"?, \
                "recipient": {"postcode", "country", "lat"?, "lon"?}, "parcels": [...], "service_level"?, \
                "promised_by"?, "modes"?}.
                """)

        @Argument(help: "A cart file: one JSON object.")
        var cartFile: String

        @OptionGroup var options: DaemonOptions

        func run() async throws { try emit(await options.commands.options(file: cartFile)) }
    }
}

/// Prints a command's output and ends with its exit status.
func emit(_ output: CommandOutput) throws {
    if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout.utf8)) }
    if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
    if output.status != .success { throw ExitCode(output.status.rawValue) }
}
