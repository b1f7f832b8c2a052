import Foundation
import RelaisTesting
import RelaisControlAPI
import Testing

/// Issue 20, items 7 and 8: `relaisd --check-config` refuses what the start would, and one
/// carrier's unreadable credentials make that carrier unavailable, not the daemon.
@Suite(.serialized) struct CredentialsLiveTests {
    func checkConfig(_ deployment: Deployment) async throws -> ChildOutput {
        let relaisd = try Deployment.executable("relaisd").orThrow("relaisd is not built")
        return try await runChild(
            relaisd.path, ["--check-config", "--config", deployment.config.path],
            environment: ProcessInfo.processInfo.environment.filter { $0.key != "CREDENTIALS_DIRECTORY" })
    }

    func credentials(_ deployment: Deployment, _ carrier: String) -> String {
        deployment.root.appendingPathComponent("credentials/\(carrier)").path
    }

    @Test func checkConfigRefusesTheCredentialsTheStartWouldRefuse() async throws {
        let deployment = try Deployment()
        defer { deployment.remove() }
        #expect(try await checkConfig(deployment).status == 0)

        try Data("delis_id=relais\ns3cret-typed-without-its-key\n".utf8).write(to: URL(fileURLWithPath: credentials(deployment, "dpd")))
        let noEquals = try await checkConfig(deployment)
        #expect(noEquals.status == 1)
        #expect(noEquals.stderr.contains("carrier dpd: \(credentials(deployment, "dpd")):2: expected key=value"))
        #expect(!noEquals.stderr.contains("s3cret"))

        try Data([0x61, 0x3D, 0xFF]).write(to: URL(fileURLWithPath: credentials(deployment, "dpd")))
        #expect(try await checkConfig(deployment).stderr.contains("not UTF-8"))

        // A FIFO: refused at once, not waited on.
        try FileManager.default.removeItem(atPath: credentials(deployment, "dpd"))
        #expect(mkfifo(credentials(deployment, "dpd"), 0o600) == 0)
        let fifo = try await checkConfig(deployment)
        #expect(fifo.status == 1)
        #expect(fifo.stderr.contains("not a regular file"))
    }

    @Test func aCarrierWithoutReadableCredentialsIsUnavailableAndTheRestRuns() async throws {
        let deployment = try Deployment()
        defer { deployment.remove() }
        try FileManager.default.removeItem(atPath: credentials(deployment, "dpd"))
        let daemon = try deployment.startDaemon()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        try await deployment.waitUntilReady(after: 0)
        #expect(daemon.isRunning, "\(deployment.log)")
        #expect(deployment.log.contains("carrier dpd unavailable"))

        let output = try await deployment.relaisctl(["status", "--json"])
        let status = try JSONDecoder().decode(StatusReply.self, from: Data(output.stdout.utf8))
        let dpd = try #require(status.carriers.first { $0.id == "dpd" })
        #expect(dpd.state == "unavailable")
        #expect(dpd.reason?.contains("cannot open") == true)
        #expect(status.carriers.first { $0.id == "colissimo" }?.state == "closed")

        // Intake runs: an order is accepted and decided, never for dpd.
        try deployment.deliver("one.json", IntakeCrashTests.order("CRED-1", 1))
        let deadline = ContinuousClock.now + .seconds(30)
        var shipments: [ShipmentReply] = []
        while shipments.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let list = try await deployment.relaisctl(["shipments", "--json"])
            shipments = (try? JSONDecoder().decode(ShipmentListReply.self, from: Data(list.stdout.utf8)).shipments) ?? []
        }
        #expect(shipments.count == 1, "\(deployment.log)")
        #expect(shipments.first?.carrier != nil && shipments.first?.carrier != "dpd")
        kill(daemon.processIdentifier, SIGTERM)
        await daemon.exited()
        #expect(daemon.terminationStatus == 0)
    }
}
