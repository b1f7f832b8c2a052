import Foundation
import RelaisCore
import RelaisRecords
import RelaisSandbox
import RelaisTesting
import Testing

/// SIGKILL relaisd while it tracks parcels moving through relais-sandbox, restart it, and
/// check that every parcel ends delivered with each status change announced once, in
/// order: nothing lost, nothing repeated.
@Suite(.serialized) struct TrackingCrashTests {
    static let journey = ["pre_transit", "in_transit", "out_for_delivery", "delivered"]

    @Test func killNineDuringTrackingLosesAndRepeatsNoStatusChange() async throws {
        let sandbox = try Sandbox(carriersDirectory: Deployment.repository.appendingPathComponent("carriers").path)
        for carrier in sandbox.carrierIDs {
            var knobs = sandbox.knobs(for: carrier)
            // Parcels move one stage every 1.5 s; calls slow enough to be under way at a kill.
            knobs.journeyStepMilliseconds = 1500
            knobs.latencyMilliseconds = 10
            sandbox.setKnobs(knobs, for: carrier)
        }
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
        let settings = """

            [tracking]
            every = "1s"
            out_for_delivery_every = "1s"

            [outbox]
            spool = true

            """
        let handle = try FileHandle(forWritingTo: deployment.config)
        handle.seekToEndOfFile()
        handle.write(Data(settings.utf8))
        try handle.close()

        let total = 30
        let lines = (0..<total).map { IntakeCrashTests.order("T-\($0)", $0).replacingOccurrences(of: "\n", with: "") }
        try deployment.deliver("orders.ndjson", lines.joined(separator: "\n"))
        let database = deployment.state.appendingPathComponent("relais.sqlite").path

        // The first run books everything (no kill lands on a booking: uncertain shipments
        // would prove nothing here) and is killed once tracking is under way; the next two
        // are killed a while after their start, in the middle of passes.
        let store = try RecordStore(path: database)
        var kills = 0
        for round in 0..<3 {
            let daemon = try deployment.startDaemon()
            if round == 0 {
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline, daemon.isRunning {
                    let counts = try await store.queueCounts()
                    if counts[.booked] == total, try await store.trackingCounts().byStatus["none", default: 0] < total { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
            } else {
                let deadline = Date().addingTimeInterval(1.0 + Double(round))
                while Date() < deadline, daemon.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            }
            if daemon.isRunning {
                kill(daemon.processIdentifier, SIGKILL)
                kills += 1
            }
            await daemon.exited()
        }
        #expect(kills == 3, "relaisd ended on its own: \(deployment.log)")

        // A last run until every booked parcel is delivered.
        let readyBefore = deployment.readyCount
        let daemon = try deployment.startDaemon()
        try await deployment.waitUntilReady(after: readyBefore)
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let counts = try await store.queueCounts()
            let booked = counts[.booked] ?? 0
            let settled = (counts[.queued] ?? 0) + (counts[.booking] ?? 0) + (counts[.deferred] ?? 0) == 0
            if settled, booked > 0, try await store.trackingCounts().byStatus["delivered"] == booked { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let status = try await deployment.relaisctl(["status", "--json"])
        // The operator's view of one parcel, over the socket.
        let first = try #require(try await store.shipments(state: .booked, limit: 1).first)
        let track = try await deployment.relaisctl(["track", first.id])
        let show = try await deployment.relaisctl(["show", first.id])
        let trackJSON = try await deployment.relaisctl(["track", first.id, "--json"])
        let missing = try await deployment.relaisctl(["track", "S-NOPE"])
        kill(daemon.processIdentifier, SIGTERM)
        await daemon.exited()
        #expect(daemon.terminationStatus == 0, "\(deployment.log)")

        #expect(track.status == 0 && track.stdout.contains("status: delivered") && track.stdout.contains("out_for_delivery"), "\(track.stdout)")
        #expect(show.stdout.contains("tracking status") && show.stdout.contains("delivered"), "\(show.stdout)")
        let reply = try JSONSerialization.jsonObject(with: Data(trackJSON.stdout.utf8)) as? [String: Any]
        #expect(reply?["status"] as? String == "delivered" && (reply?["events"] as? [Any])?.count == 4, "\(trackJSON.stdout)")
        #expect(missing.status != 0 && missing.stderr.contains("no shipment S-NOPE"), "\(missing.stderr)")

        let booked = try await store.shipments(state: .booked, limit: total)
        #expect(booked.count == total, "\(deployment.log)")
        #expect(try await store.trackingCounts().byStatus == ["delivered": booked.count])
        let counts = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect((counts?["tracking"] as? [String: Int])?["delivered"] == booked.count, "\(status.stdout)")

        // Per shipment, the statuses announced walk the journey forward, each once, and end
        // delivered: a poll repeated after a kill announced nothing twice, and no change
        // was recorded without its event.
        let deliveries = try await store.outboxDeliveries(limit: 100_000).filter { $0.type == "shipment.tracking" }
        var announced: [String: [String]] = [:]
        for delivery in deliveries.reversed() {
            let body = try #require(try await store.outboxEventBody(id: delivery.eventID))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            let status = try #require(((json["data"] as? [String: Any])?["tracking"] as? [String: Any])?["status"] as? String)
            announced[delivery.shipmentID ?? "?", default: []].append(status)
        }
        for shipment in booked {
            let statuses = announced[shipment.id] ?? []
            let positions = statuses.compactMap { Self.journey.firstIndex(of: $0) }
            #expect(positions.count == statuses.count && positions == positions.sorted() && Set(positions).count == positions.count,
                "\(shipment.id): \(statuses)")
            #expect(statuses.last == "delivered", "\(shipment.id): \(statuses)")
            // The recorded events are the journey's, once each (in any order: carriers that
            // write minutes only date several stages of this fast journey alike).
            let events = try await store.tracking(shipment: shipment.id)?.events ?? []
            #expect(events.map(\.status.rawValue).sorted() == Self.journey.sorted(), "\(shipment.id): \(events.map(\.code))")
        }
        #expect(Set(announced.keys) == Set(booked.map(\.id)))
    }
}
