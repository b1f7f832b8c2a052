import ArgumentParser
import RelaisCommands

extension Relaisctl {
    struct Manifests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End-of-day manifests: per carrier, site and pickup date, the shipments the driver takes.")
        @OptionGroup var options: DaemonOptions
        @Option(help: "Only this pickup date (YYYY-MM-DD).") var date: String?
        func run() async throws { try emit(await options.commands.manifests(date: date)) }
    }

    struct Manifest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Act on manifests.", subcommands: [Close.self])

        struct Close: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Close a carrier's manifest at a site now, for its current pickup date (before its cutoff, say).",
                discussion: "Exit 0 closed; 1 refused (nothing waits, the date is closed); 4 begun, the carrier has not taken it yet: relaisd finishes it.")
            @OptionGroup var options: DaemonOptions
            @Option(help: "The carrier id.") var carrier: String
            @Option(help: "The site id.") var site: String
            func run() async throws { try emit(await options.commands.closeManifest(carrier: carrier, site: site)) }
        }
    }
}

extension Relaisctl {
    struct Return: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Book a return of an order's parcels, from its customer back to a site, over return services.")
        @OptionGroup var options: DaemonOptions
        @Argument(help: "The order id.") var order: String
        @Option(help: "The return's id (default RET-<order>).") var id: String?
        @Option(help: "Why it comes back (size, damaged, …).") var reason: String?
        @Option(help: "The site it goes back to (default the order's).") var toSite: String?
        @Option(help: "How the customer hands it over: home, relay, locker, store (default the order's).") var mode: String?
        func run() async throws {
            try emit(await options.commands.returnShipment(order: order, id: id, reason: reason, toSite: toSite, mode: mode))
        }
    }
}
