import ArgumentParser
import Foundation
import Logging
import RelaisCommands
import RelaisConfig
import RelaisControlAPI
import RelaisSystemd

@main
struct Relaisd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relaisd",
        abstract: "The Relais daemon: orders in, carrier decisions and bookings out.",
        discussion: """
            Runs the spool intake, aggregation (orders into decided shipments), booking \
            (carrier calls over HTTP/XML) and the control API on a Unix socket, all recorded in \
            SQLite. systemd: Type=notify (READY, STATUS, WATCHDOG); SIGHUP reloads carriers and \
            policies all or nothing; SIGTERM stops claiming, drains and exits. `--demo` runs the \
            repository's panel against relais-sandbox in-process and books sample orders; \
            `--check-config` validates a configuration set.
            Exit statuses: 0 stopped cleanly; 1 a stage failed (records are consistent: rows left \
            booking become uncertain at the next start); 2 cannot start (configuration, socket, \
            database or credentials).
            """,
        version: RelaisVersion.current
    )

    @Option(name: .long, help: "relais.toml.")
    var config: String = DaemonConfigLoader.defaultPath

    @Flag(name: .long, help: "Run on the repository's files with embedded defaults (state in ./.relais/).")
    var demo = false

    @Flag(name: .customLong("check-config"), help: "Validate relais.toml, the carriers, the policies and the carriers' credentials, then exit.")
    var checkConfig = false

    func run() async throws {
        if checkConfig {
            let output = Self.checkConfig(configFile: config)
            write(output.stdout, fd: 1)
            write(output.stderr, fd: 2)
            if output.status != .success { throw ExitCode(output.status.rawValue) }
            return
        }
        // SIGHUP's default action ends the process. Until the reload service listens for it
        // (a Dispatch signal source, which still sees ignored signals), a reload request
        // must not stop the daemon: there is nothing loaded yet to reload.
        signal(SIGHUP, SIG_IGN)
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label)
            if let level = ProcessInfo.processInfo.environment["RELAIS_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) {
                handler.logLevel = level
            }
            return handler
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

enum Clock {
    /// Wall-clock milliseconds since the Unix epoch: the only clock the stages are given.
    @Sendable static func millis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
