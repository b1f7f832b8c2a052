import ArgumentParser
import Foundation
import RelaisCommands
import RelaisConfig
import RelaisCore
import RelaisIntake

@main
struct Relaisd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relaisd",
        abstract: "The Relais daemon: orders in, carrier decisions and bookings out.",
        discussion: """
            This build decides; the spool intake, the SQLite records, booking and the control \
            socket are being built (see README, "Status"). `--demo` shows the decisions on the \
            repository's sample orders; `--check-config` validates a configuration set.
            """
    )

    @Option(name: .long, help: "relais.toml.")
    var config: String = DaemonConfigLoader.defaultPath

    @Flag(name: .long, help: "Run on the repository's files with embedded defaults (state in ./.relais/).")
    var demo = false

    @Flag(name: .customLong("check-config"), help: "Validate relais.toml, the carriers and the policies, then exit.")
    var checkConfig = false

    func run() throws {
        if checkConfig {
            let output = CheckCommand.run(configFile: config, carriers: nil, policies: nil)
            write(output.stdout, fd: 1)
            write(output.stderr, fd: 2)
            if output.status != .success { throw ExitCode(output.status.rawValue) }
            return
        }
        guard demo else {
            write("relaisd: only --demo and --check-config run in this build; the service loop is not built yet\n", fd: 2)
            throw ExitCode(2)
        }
        try runDemo()
    }

    private func runDemo() throws {
        let root = FileManager.default.currentDirectoryPath
        let configFile: String
        let settings: DaemonConfig
        let panel: LoadedPanel
        let policy: Policy
        do {
            configFile = try DemoSetup.prepare(root: root)
            settings = try DaemonConfigLoader.load(file: configFile)
            panel = try PanelLoader.load(directory: settings.paths.carriers)
            policy = try PolicyLoader.load(file: settings.activePolicyFile, panel: panel.panel, siteIDs: Set(settings.sites.map(\.id)))
        } catch {
            write("relaisd --demo: \(error)\n", fd: 2)
            throw ExitCode(2)
        }
        let services = panel.carriers.reduce(0) { $0 + $1.carrier.services.count }
        write("relaisd demo: \(panel.carriers.count) carriers, \(services) services, policy \(policy.name) (sha256 \(policy.sha256.prefix(12))…)\n", fd: 1)
        write("configuration written to \(configFile)\n\n", fd: 1)

        let samples = (root as NSString).appendingPathComponent("samples/orders.ndjson")
        let data = (try? Data(contentsOf: URL(fileURLWithPath: samples))) ?? Data()
        let batch = OrderDecoder(knownSites: Set(settings.sites.map(\.id))).decode(data)
        for rejection in batch.rejections {
            write("rejected \(rejection.orderID ?? "#\(rejection.position)"): \(rejection.problems.map(\.description).joined(separator: "; "))\n", fd: 1)
        }
        let engine = DecisionEngine(panel: panel.panel, policy: policy)
        var chosen: [String: Int] = [:]
        var held = 0
        var late = 0
        for decoded in batch.orders {
            let order = decoded.order
            let decision = engine.decide(Shipment(id: order.id, orders: [order], site: settings.site(id: order.site)!))
            write(DemoSetup.summaryLine(decision, order: order) + "\n", fd: 1)
            if let key = decision.chosen?.key.carrier { chosen[key, default: 0] += 1 } else { held += 1 }
            if decision.late { late += 1 }
        }
        let split = chosen.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        write("\n\(batch.orders.count) orders decided: \(split); \(late) late, \(held) held\n", fd: 1)
        write("""

            Explore with relaisctl against the same configuration:
              swift run relaisctl quote samples/order.json --config \(configFile)
              swift run relaisctl quote samples/order.json --config \(configFile) --json
              swift run relaisctl check --config \(configFile)

            """, fd: 1)
    }
}

/// Writes to a file descriptor: Swift 6 on Linux has no usable `stdout`/`stderr` globals.
func write(_ text: String, fd: Int32) {
    guard !text.isEmpty else { return }
    let handle = fd == 2 ? FileHandle.standardError : FileHandle.standardOutput
    handle.write(Data(text.utf8))
}
