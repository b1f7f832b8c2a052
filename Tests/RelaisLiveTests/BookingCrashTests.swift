import Foundation
import RelaisTesting
import Testing
import RelaisCore
import RelaisRecords
import RelaisStore
import RelaisSandbox

/// SIGKILL relaisd while carrier calls are under way, restart it, and check in the
/// sandbox's ledger that no shipment was booked twice: what the daemon could not record is
/// `uncertain`, never sent elsewhere.
@Suite(.serialized) struct BookingCrashTests {
    @Test func killNineDuringBookingNeverDoubleBooks() async throws {
        let sandbox = try Sandbox(carriersDirectory: Deployment.repository.appendingPathComponent("carriers").path)
        var knobs = SandboxKnobs()
        knobs.latencyMilliseconds = 40  // many calls in flight when the kill lands
        for carrier in sandbox.carrierIDs { sandbox.setKnobs(knobs, for: carrier) }
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run(port: 0) { continuation.yield($0) } }
            var iterator = urls.makeAsyncIterator()
            let url = try #require(await iterator.next())
            defer { group.cancelAll() }
            try await crashAndCheck(sandbox: sandbox, url: url)
        }
    }

    func crashAndCheck(sandbox: Sandbox, url: String) async throws {
        let deployment = try Deployment(sandboxURL: url)
        defer { deployment.remove() }
        let total = 800
        let lines = (0..<total).map { IntakeCrashTests.order("B-\($0)", $0).replacingOccurrences(of: "\n", with: "") }
        try deployment.deliver("orders.ndjson", lines.joined(separator: "\n"))
        let database = deployment.state.appendingPathComponent("relais.sqlite").path

        var kills = 0
        for round in 0..<3 {
            let daemon = try deployment.startDaemon()
            // Kill while bookings are being made: after a few more land in the ledger.
            let before = sandbox.ledger.count
            let deadline = Date().addingTimeInterval(20)
            while sandbox.ledger.count < before + 60 + round * 20, Date() < deadline, daemon.isRunning {
                try await Task.sleep(for: .milliseconds(5))
            }
            if daemon.isRunning {
                kill(daemon.processIdentifier, SIGKILL)
                kills += 1
            }
            await daemon.exited()
        }
        #expect(kills == 3, "relaisd ended on its own: \(deployment.log)")

        // A last run, stopped gracefully once nothing is left to book.
        let readyBefore = deployment.readyCount
        let daemon = try deployment.startDaemon()
        try await deployment.waitUntilReady(after: readyBefore)
        let store = try RecordStore(path: database)
        let deadline = Date().addingTimeInterval(60)
        var counts: [ShipmentState: Int] = [:]
        while Date() < deadline {
            counts = try await store.queueCounts()
            let shipments = counts.values.reduce(0, +)
            if shipments == total, (counts[.queued] ?? 0) + (counts[.booking] ?? 0) + (counts[.deferred] ?? 0) == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(daemon.processIdentifier, SIGTERM)
        await daemon.exited()
        #expect(daemon.terminationStatus == 0, "\(deployment.log)")

        #expect(counts.values.reduce(0, +) == total, "\(counts)")
        #expect((counts[.booked] ?? 0) + (counts[.uncertain] ?? 0) == total, "\(counts)")
        #expect(sandbox.ledger.doubleBookings.isEmpty, "\(sandbox.ledger.doubleBookings)")
        #expect(deployment.log.contains("now uncertain"))
        let ledger = Dictionary(grouping: sandbox.ledger.all, by: \.reference)
        for shipment in try await store.shipments(state: .booked, limit: total) {
            #expect(ledger[shipment.id]?.count == 1 && ledger[shipment.id]?.first?.carrier == shipment.carrier, "\(shipment.id)")
        }
        for shipment in try await store.shipments(state: .uncertain, limit: total) {
            #expect((ledger[shipment.id] ?? []).allSatisfy { $0.carrier == shipment.carrier }, "\(shipment.id)")
        }
    }
}
