import Foundation
import RelaisTesting
import RelaisCore
import RelaisRecords
import RelaisSandbox
import Testing

/// SIGKILL relaisd while thousands of outbox events are being delivered to relais-sandbox's
/// OMS and the spool, restart it, and check: every event delivered at least once, none
/// lost, ids and bodies stable across re-sends, and no shipment change without its event.
@Suite(.serialized) struct OutboxCrashTests {
    static let secret = "whsec_" + Data("live-test-outbox-key-0123".utf8).base64EncodedString()

    @Test func killNineDuringDeliveryLosesNoEvent() async throws {
        let sandbox = try Sandbox(carriersDirectory: Deployment.repository.appendingPathComponent("carriers").path)
        sandbox.oms.setSecrets([Self.secret])
        // A receiver slow enough that many attempts are under way when a kill lands.
        sandbox.oms.script([], then: .init(status: 200, delay: .milliseconds(15)))
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
        try Data("\(Self.secret)\n".utf8).write(to: deployment.root.appendingPathComponent("credentials/oms-webhook"))
        let outbox = """

            [outbox]
            spool = true

            [[webhook]]
            url = "\(url)/_oms/hooks"
            secret = "oms-webhook"
            timeout_s = 15
            max_in_flight = 16

            """
        let handle = try FileHandle(forWritingTo: deployment.config)
        handle.seekToEndOfFile()
        handle.write(Data(outbox.utf8))
        try handle.close()

        let total = 2000
        let lines = (0..<total).map { IntakeCrashTests.order("W-\($0)", $0).replacingOccurrences(of: "\n", with: "") }
        try deployment.deliver("orders.ndjson", lines.joined(separator: "\n"))

        var kills = 0
        for round in 0..<3 {
            let daemon = try deployment.startDaemon()
            let before = sandbox.oms.received.count
            let deadline = Date().addingTimeInterval(30)
            while sandbox.oms.received.count < before + 150 + round * 50, Date() < deadline, daemon.isRunning {
                try await Task.sleep(for: .milliseconds(5))
            }
            if daemon.isRunning {
                kill(daemon.processIdentifier, SIGKILL)
                kills += 1
            }
            await daemon.exited()
        }
        #expect(kills == 3, "relaisd ended on its own: \(deployment.log)")

        // A last run until every shipment is settled and every event delivered.
        let readyBefore = deployment.readyCount
        let daemon = try deployment.startDaemon()
        try await deployment.waitUntilReady(after: readyBefore)
        let store = try RecordStore(path: deployment.state.appendingPathComponent("relais.sqlite").path)
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let counts = try await store.queueCounts()
            let settled = counts.values.reduce(0, +) == total
                && (counts[.queued] ?? 0) + (counts[.booking] ?? 0) + (counts[.deferred] ?? 0) == 0
            let backlog = try await store.outboxBacklog()
            if settled, backlog.allSatisfy({ $0.pending == 0 }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(daemon.processIdentifier, SIGTERM)
        await daemon.exited()
        #expect(daemon.terminationStatus == 0, "\(deployment.log)")

        // No change without its event: every booked or uncertain shipment was announced.
        let booked = try await store.shipments(state: .booked, limit: total)
        let uncertain = try await store.shipments(state: .uncertain, limit: total)
        #expect(booked.count + uncertain.count == total)
        let deliveries = try await store.outboxDeliveries(limit: 10_000)
        let events = Dictionary(grouping: deliveries, by: \.eventID)
        let bookedEvents = Set(deliveries.filter { $0.type == "shipment.booked" }.compactMap(\.shipmentID))
        #expect(bookedEvents == Set(booked.map(\.id)))
        #expect(deliveries.allSatisfy { $0.state == "delivered" }, "\(deliveries.filter { $0.state != "delivered" }.prefix(3))")
        #expect(events.values.allSatisfy { $0.count == 2 })  // the spool and the webhook

        // Every event reached the OMS, verified, at least once; a re-send kept id and body.
        let received = sandbox.oms.received.filter { $0.verified && $0.status == 200 }
        let byID = Dictionary(grouping: received, by: \.id)
        #expect(Set(byID.keys).isSuperset(of: Set(events.keys)), "missing: \(Set(events.keys).subtracting(byID.keys).prefix(3))")
        for (id, copies) in byID where copies.count > 1 {
            #expect(Set(copies.map(\.body)).count == 1, "\(id) re-sent with another body")
        }
        for id in events.keys.prefix(50) {
            #expect(try await store.outboxEventBody(id: id) == byID[id]?.first?.body)
        }
        // And every event is a whole file in the spool.
        let files = Set(deployment.files("out").filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) })
        #expect(files == Set(events.keys))
        #expect(sandbox.oms.received.allSatisfy { $0.verified })
    }
}
