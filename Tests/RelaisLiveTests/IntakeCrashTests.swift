import Foundation
import RelaisTesting
import RelaisStore
import Testing
@testable import RelaisRecords

/// SIGKILL relaisd at random points of intake, restart it, and check that nothing
/// acknowledged is lost, nothing is recorded twice, and nothing is half-written.
@Suite(.serialized) struct IntakeCrashTests {
    static func order(_ id: String, _ n: Int) -> String {
        """
        {"id": "\(id)", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00", "service_level": "standard", \
        "delivery_mode": "home", "recipient": {"name": "Client \(n)", "street": ["\(n) rue de la Roquette"], \
        "postcode": "75011", "city": "Paris", "country": "FR"}, \
        "parcels": [{"weight_kg": \(1 + n % 7), "length_cm": 30, "width_cm": 20, "height_cm": 10}]}
        """
    }

    @Test func killNineDuringIntakeLosesAndDoublesNothing() async throws {
        let deployment = try Deployment()
        defer { deployment.remove() }
        var rng = SeededGenerator(state: 20_261_121)
        var ordersByFile: [String: [String]] = [:]
        var fileNumber = 0
        let database = deployment.state.appendingPathComponent("relais.sqlite").path

        for round in 0..<6 {
            for _ in 0..<8 {
                fileNumber += 1
                let name = String(format: "f%04d.ndjson", fileNumber)
                let ids = (0..<25).map { "K-\(fileNumber)-\($0)" }
                ordersByFile[name] = ids
                try deployment.deliver(name, ids.enumerated().map { Self.order($0.element, fileNumber * 100 + $0.offset) }.joined(separator: "\n"))
            }
            let daemon = try deployment.startDaemon()
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...400, using: &rng)))
            kill(daemon.processIdentifier, SIGKILL)
            await daemon.exited()
            #expect(daemon.terminationReason == .uncaughtSignal, "round \(round): relaisd ended before the kill:\n\(deployment.log)")

            // Whatever reached done/ is in the database, every order of it, once.
            guard FileManager.default.fileExists(atPath: database) else { continue }
            let store = try RecordStore(path: database)
            for file in deployment.files("done") {
                for id in ordersByFile[file] ?? [] {
                    #expect(try await store.order(id: id) != nil, "round \(round): \(id) of \(file) in done/ is not recorded")
                }
            }
            let shipments = try await store.shipments(limit: 10_000)
            let counts = try await store.queueCounts()
            #expect(counts.values.reduce(0, +) == shipments.count, "round \(round): queue counters disagree with the table")
            #expect(shipments.allSatisfy { !$0.orderIDs.isEmpty }, "round \(round): a shipment without orders")
        }

        // A clean run drains everything; SIGTERM stops it with status 0 (sent once it is
        // ready: before, its handlers are not installed and SIGTERM's default action applies).
        let readyBefore = deployment.readyCount
        let daemon = try deployment.startDaemon()
        try await deployment.waitUntilReady(after: readyBefore)
        let deadline = Date().addingTimeInterval(30)
        let store = try RecordStore(path: database)
        while Date() < deadline {
            let pending = try await store.pendingOrders(limit: 1)
            let recorded = try await store.orderCount()
            if deployment.files("new").isEmpty && pending.isEmpty && recorded == 1200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(daemon.processIdentifier, SIGTERM)
        await daemon.exited()
        #expect(daemon.terminationStatus == 0, "\(deployment.log)")

        #expect(deployment.files("done").count == 48)
        #expect(deployment.files("rejected").isEmpty)
        #expect(try await store.orderCount() == 1200)
        let shipments = try await store.shipments(limit: 10_000)
        let shipped = shipments.flatMap(\.orderIDs)
        #expect(shipped.count == 1200)
        #expect(Set(shipped).count == 1200, "an order is in two shipments")
        #expect(Set(shipped) == Set(ordersByFile.values.flatMap { $0 }))
    }
}
