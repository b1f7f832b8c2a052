import Foundation
import RelaisTesting

/// The repository, the built executables, and a scratch deployment to run them in.
struct Deployment {
    static let repository = Repository.root

    /// An executable built beside the test bundle (`swift build --build-tests` builds them all).
    static func executable(_ name: String) -> URL? {
        [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name),
            repository.appendingPathComponent(".build/debug/\(name)"),
        ].first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    let root: URL
    var state: URL { root.appendingPathComponent("state") }
    var spool: URL { root.appendingPathComponent("spool") }
    var config: URL { root.appendingPathComponent("relais.toml") }
    var socket: URL { root.appendingPathComponent("relais.sock") }
    /// The policies the daemon reads: the repository's, or a copy a test may edit.
    let policies: URL

    /// - Parameter sandboxURL: where the carriers are played; by default a closed port, so
    ///   bookings are deferred (intake tests).
    /// - Parameter copyPolicies: run on a copy of the repository's policies.
    init(sandboxURL: String = "http://127.0.0.1:9", copyPolicies: Bool = false) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("relais-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        if copyPolicies {
            policies = root.appendingPathComponent("policies")
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("policies"), to: policies)
        } else {
            policies = Self.repository.appendingPathComponent("policies")
        }
        // The sandbox carriers' credentials, as LoadCredential would lay them out.
        let credentials = root.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        let carriers = Self.repository.appendingPathComponent("carriers")
        for id in try FileManager.default.contentsOfDirectory(atPath: carriers.path) {
            let source = carriers.appendingPathComponent(id).appendingPathComponent("sandbox/credentials")
            if let data = FileManager.default.contents(atPath: source.path) {
                try data.write(to: credentials.appendingPathComponent(id))
            }
        }
        let text = """
            [paths]
            state = "\(state.path)"
            spool = "\(spool.path)"
            carriers = "\(Self.repository.appendingPathComponent("carriers").path)"
            policies = "\(policies.path)"
            socket = "\(root.appendingPathComponent("relais.sock").path)"

            [booking]
            credentials = "\(credentials.path)"
            sandbox_url = "\(sandboxURL)"
            min_backoff = "1s"
            max_backoff = "2s"

            [[site]]
            id = "lyon-dc"
            country = "FR"
            postcode = "69007"
            lat = 45.7323
            lon = 4.8283
            """
        try Data(text.utf8).write(to: config)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// Delivers a spool file the way the OMS must: written in tmp/, renamed into new/.
    func deliver(_ name: String, _ text: String) throws {
        let tmp = spool.appendingPathComponent("tmp").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: tmp.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: spool.appendingPathComponent("new"), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: tmp)
        try FileManager.default.moveItem(at: tmp, to: spool.appendingPathComponent("new").appendingPathComponent(name))
    }

    func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent(folder).path)) ?? []).sorted()
    }

    /// Starts relaisd on this deployment; its stderr goes to `root/relaisd.log`.
    func startDaemon(environment: [String: String] = [:]) throws -> Process {
        let binary = try Self.executable("relaisd").orThrow("relaisd is not built (swift build --build-tests)")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--config", config.path]
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let log = root.appendingPathComponent("relaisd.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs relaisctl against this deployment's socket; returns its exit status and output.
    func relaisctl(_ arguments: [String]) async throws -> ChildOutput {
        let binary = try Self.executable("relaisctl").orThrow("relaisctl is not built (swift build --build-tests)")
        return try await runChild(binary.path, arguments + ["--socket", socket.path])
    }

    var log: String { (try? String(contentsOf: root.appendingPathComponent("relaisd.log"), encoding: .utf8)) ?? "" }

    /// Times relaisd has logged that it is ready, in this deployment's log.
    var readyCount: Int { log.components(separatedBy: "ready: policy").count - 1 }

    /// Waits until relaisd has logged ready more than `count` times: its signal handlers are
    /// then installed, so a SIGTERM is a graceful stop and not the default action.
    func waitUntilReady(after count: Int, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while readyCount <= count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }
}

struct Missing: Error, CustomStringConvertible {
    var description: String
}

extension Optional {
    func orThrow(_ message: String) throws -> Wrapped {
        guard let self else { throw Missing(description: message) }
        return self
    }
}
