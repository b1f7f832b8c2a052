import ArgumentParser
import Foundation
import RelaisConfig
import RelaisSandbox

@main
struct RelaisSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relais-sandbox",
        abstract: "Loopback stand-ins for the carriers' booking APIs (tests, demo, benchmarks).",
        discussion: """
            Serves every carrier of the panel that has a sandbox.toml at \
            http://HOST:PORT/<carrier id>/…; point relaisd at it with [booking] sandbox_url. \
            GET /_sandbox/ledger lists the bookings; POST /_sandbox/knobs/<carrier> with JSON \
            such as {"transientRate": 0.05, "latencyMilliseconds": 20} makes a carrier misbehave. \
            It also plays the shop's OMS: webhooks POSTed to /_oms/hooks are verified with the \
            whsec_ secrets of --oms-secrets (401 when the signature does not verify).
            """
    )

    @Option(name: .long, help: "The carrier panel directory.")
    var carriers: String = "carriers"

    @Option(name: .long, help: "The loopback address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "The port (0: any free port, printed on start).")
    var port: Int = 8470

    @Flag(name: .long, help: "Exit when the process that started it ends (the demo's child).")
    var exitWithParent = false

    @Option(name: .long, help: "A file of whsec_ secrets, one a line, that the OMS at /_oms/hooks verifies webhooks with.")
    var omsSecrets: String?

    func validate() throws {
        guard host == "127.0.0.1" || host == "::1" || host == "localhost" else {
            throw ValidationError("the sandbox listens on loopback only (127.0.0.1, ::1)")
        }
    }

    func run() async throws {
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox(carriersDirectory: carriers)
        } catch {
            FileHandle.standardError.write(Data("relais-sandbox: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let omsSecrets {
            guard let data = FileManager.default.contents(atPath: omsSecrets) else {
                FileHandle.standardError.write(Data("relais-sandbox: \(omsSecrets): cannot be read\n".utf8))
                throw ExitCode(2)
            }
            sandbox.oms.setSecrets(String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init))
        }
        let ids = sandbox.carrierIDs
        let parent = getppid()
        let exitWithParent = self.exitWithParent
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await sandbox.run(host: host, port: port) { url in
                    FileHandle.standardOutput.write(Data("relais-sandbox: serving \(ids.joined(separator: ", ")) at \(url)\n".utf8))
                }
            }
            if exitWithParent {
                // Orphaned (the parent was killed, even with -9): re-parented, so getppid changes.
                group.addTask {
                    while getppid() == parent { try await Task.sleep(for: .milliseconds(500)) }
                    throw ExitCode.success
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
