import Foundation
import RelaisCore
import RelaisRecords
import RelaisSandbox
import RelaisStore
import RelaisTesting
import Testing

/// SIGKILL relaisd while a manifest close and a cancel are at their carrier, restart it,
/// and check that the close is finished once (one manifest at the carrier, its CSV written)
/// and the cancel settled, never reported done before (SPEC §14).
@Suite(.serialized) struct EndOfDayCrashTests {
    /// A deployment whose policy books at `carrier` only, with `count` booked shipments.
    static func bookedDeployment(at carrier: String, count: Int, sandbox: Sandbox, url: String) async throws -> (Deployment, RecordStore) {
        let deployment = try Deployment(sandboxURL: url, copyPolicies: true)
        let policy = deployment.policies.appendingPathComponent("default.toml")
        let others = ["chronopost", "colissimo", "dpd", "mondialrelay", "velocite"].filter { $0 != carrier }.map { "\"\($0)\"" }
        let text = try String(contentsOf: policy, encoding: .utf8)
            .replacingOccurrences(of: "exclude = []", with: "exclude = [\(others.joined(separator: ", "))]")
        try Data(text.utf8).write(to: policy)
        try deployment.deliver(
            "orders.ndjson", (0..<count).map { IntakeCrashTests.order("E-\($0)", $0).replacingOccurrences(of: "\n", with: "") }.joined(separator: "\n"))
        return (deployment, try RecordStore(path: deployment.state.appendingPathComponent("relais.sqlite").path))
    }

    static func waitFor(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    static func withLiveSandbox(_ body: (Sandbox, String) async throws -> Void) async throws {
        let sandbox = try Sandbox(carriersDirectory: Deployment.repository.appendingPathComponent("carriers").path)
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run(port: 0) { continuation.yield($0) } }
            var iterator = urls.makeAsyncIterator()
            let url = try #require(await iterator.next())
            defer { group.cancelAll() }
            try await body(sandbox, url)
        }
    }

    @Test func killNineDuringAManifestCloseFinishesItOnceAtTheRestart() async throws {
        try await Self.withLiveSandbox { sandbox, url in
            let (deployment, store) = try await Self.bookedDeployment(at: "colissimo", count: 4, sandbox: sandbox, url: url)
            defer { deployment.remove() }
            var daemon = try deployment.startDaemon()
            #expect(try await Self.waitFor(30) { try await store.queueCounts()[.booked] == 4 }, "not booked: \(deployment.log)")

            // The bordereau call hangs: the close is recorded `closing` when the kill lands.
            var slow = SandboxKnobs()
            slow.latencyMilliseconds = 20_000
            sandbox.setKnobs(slow, for: "colissimo")
            async let close = deployment.relaisctl(["manifest", "close", "--carrier", "colissimo", "--site", "lyon-dc"])
            #expect(try await Self.waitFor(20) { try await !store.closingManifests().isEmpty })
            kill(daemon.processIdentifier, SIGKILL)
            await daemon.exited()
            #expect(try await close.status != 0)  // never reported closed
            let closing = try #require(try await store.closingManifests().first)
            #expect(closing.lines.count == 4)
            #expect(sandbox.ledger.manifestCount(carrier: "colissimo") == 0)

            sandbox.setKnobs(SandboxKnobs(), for: "colissimo")
            let readyBefore = deployment.readyCount
            daemon = try deployment.startDaemon()
            try await deployment.waitUntilReady(after: readyBefore)
            #expect(try await Self.waitFor(30) { try await store.closingManifests().isEmpty }, "not finished: \(deployment.log)")
            let manifests = try await store.manifests(pickupDate: nil, limit: 10)
            #expect(manifests.map(\.id) == [closing.id] && manifests.first?.state == "closed")
            #expect(Set(manifests.first?.lines.map(\.shipmentID) ?? []) == Set(closing.lines.map(\.shipmentID)))
            #expect(sandbox.ledger.manifestCount(carrier: "colissimo") == 1)
            #expect(FileManager.default.fileExists(atPath: try #require(manifests.first?.csvPath)))
            kill(daemon.processIdentifier, SIGTERM)
            await daemon.exited()
        }
    }

    @Test func killNineDuringACancelLeavesItPendingAndTheRestartSettlesIt() async throws {
        try await Self.withLiveSandbox { sandbox, url in
            let (deployment, store) = try await Self.bookedDeployment(at: "chronopost", count: 1, sandbox: sandbox, url: url)
            defer { deployment.remove() }
            var daemon = try deployment.startDaemon()
            #expect(try await Self.waitFor(30) { try await store.queueCounts()[.booked] == 1 }, "not booked: \(deployment.log)")
            let shipment = try #require(try await store.shipments(state: .booked, carrier: nil, limit: 1).first)

            var slow = SandboxKnobs()
            slow.latencyMilliseconds = 20_000
            sandbox.setKnobs(slow, for: "chronopost")
            async let cancel = deployment.relaisctl(["cancel", shipment.id])
            // The intent is durable before the call: kill once the carrier has the request.
            #expect(try await Self.waitFor(20) { sandbox.requestCount(carrier: "chronopost") >= 2 })
            kill(daemon.processIdentifier, SIGKILL)
            await daemon.exited()
            #expect(try await cancel.status != 0)  // never reported cancelled
            #expect(try await store.shipment(id: shipment.id)?.state == .booked)

            sandbox.setKnobs(SandboxKnobs(), for: "chronopost")
            let readyBefore = deployment.readyCount
            daemon = try deployment.startDaemon()
            try await deployment.waitUntilReady(after: readyBefore)
            #expect(try await Self.waitFor(30) { try await store.shipment(id: shipment.id)?.state == .cancelled }, "\(deployment.log)")
            #expect(sandbox.ledger.bookings(reference: shipment.id).first?.void == true)
            kill(daemon.processIdentifier, SIGTERM)
            await daemon.exited()
        }
    }
}
