import ArgumentParser
import Dispatch
import Foundation
import RelaisAggregation
import RelaisCommands
import RelaisConfig
import RelaisCore
import RelaisIntake
import RelaisRecords
import Synchronization

@main
struct Relaisd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relaisd",
        abstract: "The Relais daemon: orders in, carrier decisions and bookings out.",
        discussion: """
            Runs the spool intake and the aggregation stage (orders into decided shipments, \
            recorded in SQLite) until SIGTERM. Booking and the control socket are being built \
            (see README, "Status"). `--demo` shows the decisions on the repository's sample \
            orders; `--check-config` validates a configuration set.
            """
    )

    @Option(name: .long, help: "relais.toml.")
    var config: String = DaemonConfigLoader.defaultPath

    @Flag(name: .long, help: "Run on the repository's files with embedded defaults (state in ./.relais/).")
    var demo = false

    @Flag(name: .customLong("check-config"), help: "Validate relais.toml, the carriers and the policies, then exit.")
    var checkConfig = false

    func run() async throws {
        if checkConfig {
            let output = CheckCommand.run(configFile: config, carriers: nil, policies: nil)
            write(output.stdout, fd: 1)
            write(output.stderr, fd: 2)
            if output.status != .success { throw ExitCode(output.status.rawValue) }
            return
        }
        if demo {
            try runDemo()
        } else {
            try await runDaemon()
        }
    }

    /// Intake and aggregation until SIGTERM or SIGINT; a pass finishes before it stops.
    private func runDaemon() async throws {
        let loaded: ConfigurationSet
        let store: RecordStore
        do {
            loaded = try ConfigurationSet.load(configFile: config)
            store = try RecordStore(path: (loaded.config.paths.state as NSString).appendingPathComponent("relais.sqlite"))
        } catch {
            log(.error, "cannot start: \(error)")
            throw ExitCode(2)
        }
        let (settings, panel, policy) = (loaded.config, loaded.panel, loaded.policy)
        let stop = StopSignal()
        let recovered = try await store.recoverInterruptedBookings(now: Clock.millis())
        if !recovered.isEmpty { log(.warning, "\(recovered.count) shipments were booking at the last stop: now uncertain") }
        let intake = SpoolIntake(
            root: settings.paths.spool, store: store,
            decoder: OrderDecoder(knownSites: Set(settings.sites.map(\.id)), maxBytes: settings.intake.maxFileBytes))
        try intake.prepareDirectories()
        let aggregation = AggregationStage(
            store: store, engine: DecisionEngine(panel: panel.panel, policy: policy), sites: settings.sites,
            windowSeconds: Int64(settings.intake.consolidationWindowSeconds))
        log(.info, "started: policy \(policy.name) (sha256 \(policy.sha256.prefix(12))), \(panel.carriers.count) carriers, spool \(settings.paths.spool)")
        var lastStuck = 0
        while !stop.requested {
            do {
                let report = try await intake.runOnce(now: Clock.millis())
                if report.files > 0 {
                    log(.info, "intake: \(report.files) files, \(report.accepted) orders accepted, \(report.duplicates) duplicates, \(report.rejectedOrders) rejected")
                }
                let aggregated = try await aggregation.runOnce(now: Clock.millis())
                if !aggregated.created.isEmpty { log(.info, "aggregation: \(aggregated.created.count) shipments decided") }
                if aggregated.stuck.count != lastStuck, let first = aggregated.stuck.first {
                    log(.warning, "aggregation: \(aggregated.stuck.count) orders wait: \(first.orderID): \(first.reason)")
                }
                lastStuck = aggregated.stuck.count
                if report.files == 0 && aggregated.created.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
            } catch {
                // A full disk or a locked database must not end the daemon: log, wait, retry.
                log(.error, "pass failed, retrying in 1 s: \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        log(.info, "stopped")
    }

    private func runDemo() throws {
        let root = FileManager.default.currentDirectoryPath
        let configFile: String
        let loaded: ConfigurationSet
        do {
            configFile = try DemoSetup.prepare(root: root)
            loaded = try ConfigurationSet.load(configFile: configFile)
        } catch {
            write("relaisd --demo: \(error)\n", fd: 2)
            throw ExitCode(2)
        }
        let (settings, panel, policy) = (loaded.config, loaded.panel, loaded.policy)
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

/// SIGTERM and SIGINT ask the loop to stop after the pass under way.
final class StopSignal {
    /// Set from the signal handlers' queue, read by the loop.
    final class Flag: Sendable {
        let value = Mutex(false)
    }

    private let flag = Flag()
    private var sources: [any DispatchSourceSignal] = []

    init() {
        let flag = self.flag
        for signal in [SIGTERM, SIGINT] {
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { flag.value.withLock { $0 = true } }
            source.resume()
            sources.append(source)
        }
    }

    var requested: Bool { flag.value.withLock { $0 } }
}

enum Clock {
    /// Wall-clock milliseconds since the Unix epoch: the only clock the stages are given.
    static func millis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

/// syslog priorities, as journald reads them from a `<N>` prefix.
enum Priority: Int {
    case error = 3, warning = 4, info = 6
}

func log(_ priority: Priority, _ message: String) {
    write("<\(priority.rawValue)>relaisd: \(message)\n", fd: 2)
}
