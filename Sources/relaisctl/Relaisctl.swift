import ArgumentParser
import Foundation
import RelaisCommands

@main
struct Relaisctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relaisctl",
        abstract: "Operate Relais, the carrier broker: validate files, quote orders.",
        discussion: """
            Exit statuses: 0 done; 1 invalid input (check found errors, an order was rejected); \
            2 cannot run (configuration, panel or policy unreadable); 64 bad usage.
            """,
        subcommands: [Check.self, Quote.self]
    )
}

extension Relaisctl {
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

    struct Quote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide an order file offline and show the ranking; nothing is stored or booked.")

        @Argument(help: "An order file: a JSON object, an array of orders, or NDJSON.")
        var orderFile: String

        @Option(name: .long, help: "relais.toml, whose [[site]]s orders ship from (default: /etc/relais/relais.toml).")
        var config: String?

        @Option(name: .long, help: "The carrier panel directory (default: paths.carriers of the config).")
        var carriers: String?

        @Option(name: .long, help: "The policy file (default: the config's active policy).")
        var policy: String?

        @Flag(name: .long, help: "Print the decision record as JSON.")
        var json = false

        func run() throws {
            try emit(QuoteCommand.run(orderFile: orderFile, configFile: config, carriers: carriers, policyFile: policy, json: json))
        }
    }
}

/// Prints a command's output and ends with its exit status.
func emit(_ output: CommandOutput) throws {
    if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout.utf8)) }
    if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
    if output.status != .success { throw ExitCode(output.status.rawValue) }
}
