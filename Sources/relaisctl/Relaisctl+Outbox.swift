import ArgumentParser
import RelaisCommands

extension Relaisctl {
    struct Outbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Events for the shop (booked, held, failed, uncertain) and their delivery to each endpoint.",
            subcommands: [List.self, Replay.self], defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Events per endpoint, newest first.")
            @OptionGroup var options: DaemonOptions
            @Option(help: "Only this state: pending, delivered, dead.") var state: String?
            @Option(help: "Only this endpoint: spool, or a webhook's number.") var endpoint: String?
            @Option(help: "At most this many (default 100).") var limit: Int?
            func run() async throws { try emit(await options.commands.outbox(state: state, endpoint: endpoint, limit: limit)) }
        }

        struct Replay: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Send an event again, same id and body, to every endpoint it was for.")
            @OptionGroup var options: DaemonOptions
            @Argument(help: "The event id (evt_…).") var id: String
            func run() async throws { try emit(await options.commands.outboxReplay(id: id)) }
        }
    }

    struct Webhooks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The outbox's endpoints: state, pending, oldest pending, dead.",
            subcommands: [List.self, Enable.self], defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Each endpoint and its backlog.")
            @OptionGroup var options: DaemonOptions
            func run() async throws { try emit(await options.commands.webhooks()) }
        }

        struct Enable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Enable a webhook that answered 410 Gone; its pending events go at once.")
            @OptionGroup var options: DaemonOptions
            @Argument(help: "The webhook's number (its [[webhook]]'s position in relais.toml).") var number: Int
            func run() async throws { try emit(await options.commands.enableWebhook(number: number)) }
        }
    }
}
