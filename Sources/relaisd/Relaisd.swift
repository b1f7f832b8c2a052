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
            Runs the spool intake, aggregation (orders into decided shipments) and booking \
            (carrier calls over HTTP/XML), all recorded in SQLite, until SIGTERM. `--demo` runs \
            the repository's panel against relais-sandbox in-process and books sample orders; \
            `--check-config` validates a configuration set.
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
            try await Demo.run()
        } else {
            try await Daemon.run(configFile: config)
        }
    }
}

/// Writes to a file descriptor: Swift 6 on Linux has no usable `stdout`/`stderr` globals.
func write(_ text: String, fd: Int32) {
    guard !text.isEmpty else { return }
    let handle = fd == 2 ? FileHandle.standardError : FileHandle.standardOutput
    handle.write(Data(text.utf8))
}

/// SIGTERM and SIGINT ask the loops to stop after the work under way.
final class StopSignal: Sendable {
    final class Flag: Sendable {
        let value = Mutex(false)
    }

    private let flag = Flag()
    /// Kept alive for the process's life; never touched after `init`.
    private let sources: Mutex<[any DispatchSourceSignal]>

    init() {
        var sources: [any DispatchSourceSignal] = []
        let flag = self.flag
        for signal in [SIGTERM, SIGINT] {
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { flag.value.withLock { $0 = true } }
            source.resume()
            sources.append(source)
        }
        self.sources = Mutex(sources)
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
