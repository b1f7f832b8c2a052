import Foundation
import RelaisTesting
import Logging
import PostgresNIO
import RelaisCore
import RelaisPostgres
import RelaisSandbox
import RelaisStore
import Testing

/// Two relaisd nodes on one PostgreSQL database and the sandbox (SPEC §16): SIGKILL one in
/// the middle of booking; the other takes over its claims once their lease expires. Every
/// order ends booked exactly once or `uncertain` (the sandbox's ledger has no double
/// booking), none lost. And one node whose database connections are terminated again and
/// again while it books: it rides them out. Needs a server: run under scripts/with-postgres.sh.
@Suite(
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["RELAIS_TEST_POSTGRES_URL"] != nil, "RELAIS_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh"))
struct SharedStoreLiveTests {
    @Test func twoNodesAndAKillNineBookEveryOrderOnce() async throws {
        try await withSandboxAndDatabase { sandbox, url, databaseURL, client in
            try await killOneNode(sandbox: sandbox, sandboxURL: url, databaseURL: databaseURL, client: client)
        }
    }

    @Test func aNodeRidesOutItsDatabaseConnectionsTerminatedWhileBooking() async throws {
        try await withSandboxAndDatabase { sandbox, url, databaseURL, client in
            let node = try Self.node("node-k", sandboxURL: url, databaseURL: databaseURL)
            defer { node.remove() }
            let total = 300
            let lines = (0..<total).map { IntakeCrashTests.order("R-\($0)", $0).replacingOccurrences(of: "\n", with: "") }
            try node.deliver("orders.ndjson", lines.joined(separator: "\n"))
            let daemon = try node.startDaemon()
            defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            try await node.waitUntilReady(after: 0)

            // Once the shipments are decided, every backend of the node is terminated every 0.5
            // to 1.5 s until the queue is done: mid-claim, mid-commit, at COMMIT, idle in the
            // pool. (Faster, a transaction of hundreds of rows on a loaded machine is cut
            // before it can commit, again and again, and the test measures the machine.)
            let store = PostgresStore(client: client, node: "observer")
            var terminated = 0
            var counts: [ShipmentState: Int] = [:]
            let end = Date().addingTimeInterval(120)
            while Date() < end, daemon.isRunning {
                try await Task.sleep(for: .milliseconds(Int.random(in: 500...1500)))
                counts = try await store.queueCounts()
                let queued: Int = counts[ShipmentState.queued] ?? 0
                let booking: Int = counts[ShipmentState.booking] ?? 0
                let deferred: Int = counts[ShipmentState.deferred] ?? 0
                guard counts.values.reduce(0, +) == total else { continue }
                if queued + booking + deferred == 0 { break }
                terminated +=
                    try await client.query(
                        """
                        SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                            WHERE application_name = 'relaisd node-k') AS terminated
                        """
                    ).collect().first?.decode(Int.self) ?? 0
            }
            #expect(daemon.isRunning, "relaisd stopped: \(node.log)")
            #expect(terminated >= 3, "only \(terminated) backends terminated: the test proved little")
            kill(daemon.processIdentifier, SIGTERM)
            await daemon.exited()
            #expect(daemon.terminationStatus == 0, "\(node.log)")

            #expect(try await store.pendingOrderCount() == 0)
            let booked: Int = counts[ShipmentState.booked] ?? 0
            let uncertain: Int = counts[ShipmentState.uncertain] ?? 0
            #expect(counts.values.reduce(0, +) == total, "\(counts)\n\(node.log)")
            #expect(booked + uncertain == total, "\(counts)\n\(node.log)")
            #expect(sandbox.ledger.doubleBookings.isEmpty, "\(sandbox.ledger.doubleBookings)")
            let ledger = Dictionary(grouping: sandbox.ledger.all, by: \.reference)
            for shipment in try await store.shipments(state: .booked, carrier: nil, limit: total) {
                #expect(ledger[shipment.id]?.count == 1 && ledger[shipment.id]?.first?.carrier == shipment.carrier, "\(shipment.id)")
            }
            #expect(!node.log.contains("stopped on error"), "\(node.log)")
        }
    }

    /// A deployment whose relaisd is node `name` on the shared database, with a 10 s lease.
    /// With `webhook`, the node delivers the outbox to the sandbox's OMS (2 s deadline: the
    /// outbox's claims then hold the node's 10 s lease).
    static func node(_ name: String, sandboxURL: String, databaseURL: String, webhook: Bool = false) throws -> Deployment {
        let deployment = try Deployment(sandboxURL: sandboxURL)
        var text = "\n[store]\nurl = \"\(databaseURL)\"\nnode = \"\(name)\"\nlease = \"10s\"\n"
        if webhook {
            try Data("\(OutboxCrashTests.secret)\n".utf8).write(to: deployment.root.appendingPathComponent("credentials/oms-webhook"))
            text += "\n[[webhook]]\nurl = \"\(sandboxURL)/_oms/hooks\"\nsecret = \"oms-webhook\"\ntimeout_s = 2\n"
        }
        let handle = try FileHandle(forWritingTo: deployment.config)
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
        return deployment
    }

    /// The sandbox on a free port (calls answered in 40 ms: many in flight at any moment)
    /// and a schema of its own on the test server.
    func withSandboxAndDatabase(_ body: (Sandbox, String, String, PostgresClient) async throws -> Void) async throws {
        let sandbox = try Sandbox(carriersDirectory: Deployment.repository.appendingPathComponent("carriers").path)
        var knobs = SandboxKnobs()
        knobs.latencyMilliseconds = 40
        for carrier in sandbox.carrierIDs { sandbox.setKnobs(knobs, for: carrier) }
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run(port: 0) { continuation.yield($0) } }
            var iterator = urls.makeAsyncIterator()
            let url = try #require(await iterator.next())
            defer { group.cancelAll() }
            try await withSharedDatabase { databaseURL, client in try await body(sandbox, url, databaseURL, client) }
        }
    }

    func killOneNode(sandbox: Sandbox, sandboxURL: String, databaseURL: String, client: PostgresClient) async throws {
        let nodes = try ["node-a", "node-b"].map { name in
            try Self.node(name, sandboxURL: sandboxURL, databaseURL: databaseURL, webhook: true)
        }
        defer { for node in nodes { node.remove() } }
        sandbox.oms.setSecrets([OutboxCrashTests.secret])
        sandbox.oms.script([], then: .init(status: 200, delay: .milliseconds(5)))
        let total = 600
        // Each node takes orders from its own spool; both book from the one queue.
        for (index, node) in nodes.enumerated() {
            let lines = (0..<total / 2).map { n in
                let number = index * total / 2 + n
                return IntakeCrashTests.order("M-\(number)", number).replacingOccurrences(of: "\n", with: "")
            }
            try node.deliver("orders.ndjson", lines.joined(separator: "\n"))
        }
        let a = try nodes[0].startDaemon()
        let b = try nodes[1].startDaemon()
        defer {
            if a.isRunning { kill(a.processIdentifier, SIGKILL) }
            if b.isRunning { kill(b.processIdentifier, SIGKILL) }
        }
        try await nodes[1].waitUntilReady(after: 0)
        // Kill node-a while bookings are being made.
        let deadline = Date().addingTimeInterval(30)
        while sandbox.ledger.count < 100, Date() < deadline, a.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        #expect(a.isRunning, "node-a ended on its own: \(nodes[0].log)")
        kill(a.processIdentifier, SIGKILL)
        await a.exited()

        // node-b alone finishes the queue, taking node-a's claims over once their lease expires,
        // and its outbox deliveries too.
        let store = PostgresStore(client: client, node: "observer")
        var counts: [ShipmentState: Int] = [:]
        let end = Date().addingTimeInterval(90)
        while Date() < end {
            counts = try await store.queueCounts()
            let shipments: Int = counts.values.reduce(0, +)
            let queued: Int = counts[ShipmentState.queued] ?? 0
            let booking: Int = counts[ShipmentState.booking] ?? 0
            let deferred: Int = counts[ShipmentState.deferred] ?? 0
            let undelivered = try await store.outboxBacklog().map(\.pending).reduce(0, +)
            if shipments == total, queued + booking + deferred == 0, undelivered == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(b.processIdentifier, SIGTERM)
        await b.exited()
        #expect(b.terminationStatus == 0, "\(nodes[1].log)")

        let pending = try await store.pendingOrderCount()
        #expect(pending == 0, "pending \(pending)")
        let booked: Int = counts[ShipmentState.booked] ?? 0
        let uncertain: Int = counts[ShipmentState.uncertain] ?? 0
        let all: Int = counts.values.reduce(0, +)
        #expect(booked + uncertain == all, "\(counts)")
        #expect(all == total, "\(counts)\n\(nodes[0].log)\n\(nodes[1].log)")
        #expect(sandbox.ledger.doubleBookings.isEmpty, "\(sandbox.ledger.doubleBookings)")
        let ledger = Dictionary(grouping: sandbox.ledger.all, by: \.reference)
        for shipment in try await store.shipments(state: .booked, carrier: nil, limit: total) {
            #expect(ledger[shipment.id]?.count == 1 && ledger[shipment.id]?.first?.carrier == shipment.carrier, "\(shipment.id)")
        }
        // Every event written, by either node, reached the OMS verified, at least once, with
        // one body per id; node-a's deliveries in hand when it died were made by node-b.
        let deliveries = try await store.outboxDeliveries(state: nil, endpoint: nil, limit: 10_000)
        #expect(deliveries.allSatisfy { $0.state == "delivered" }, "\(deliveries.filter { $0.state != "delivered" }.prefix(3))")
        let bookedEvents = Set(deliveries.filter { $0.type == "shipment.booked" }.compactMap(\.shipmentID))
        #expect(bookedEvents.count == booked, "\(bookedEvents.count) shipment.booked events for \(booked) booked")
        let received = Dictionary(grouping: sandbox.oms.received.filter { $0.verified && $0.status == 200 }, by: \.id)
        let missing = Set(deliveries.map(\.eventID)).subtracting(received.keys)
        #expect(missing.isEmpty, "never received: \(missing.prefix(3))")
        #expect(received.values.allSatisfy { Set($0.map(\.body)).count == 1 }, "an event re-sent with another body")
        // node-a had calls under way when it died: node-b made them uncertain once their
        // lease expired (then reconciled them by lookup where the carrier allows it).
        let log = nodes[1].log
        #expect(log.contains("lease expired"), "\(log)")
    }

    /// A schema of its own on the test server, named in the URL the nodes get.
    func withSharedDatabase(_ body: (String, PostgresClient) async throws -> Void) async throws {
        let base = try #require(ProcessInfo.processInfo.environment["RELAIS_TEST_POSTGRES_URL"])
        let schema = "relais_live_\(UUID().uuidString.prefix(8).lowercased())"
        var logger = Logger(label: "relais.test.postgres")
        logger.logLevel = .error
        var configuration = try PostgresStore.clientConfiguration(url: base, password: nil, maximumConnections: 2)
        let admin = PostgresClient(configuration: configuration, backgroundLogger: logger)
        configuration.options.additionalStartupParameters.append(("search_path", schema))
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await admin.query("CREATE SCHEMA \(unescaped: schema)")
            let url = base + (base.contains("?") ? "&" : "?") + "search_path=\(schema)"
            do {
                try await body(url, client)
            } catch {
                _ = try? await admin.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                throw error
            }
            _ = try? await admin.query("DROP SCHEMA \(unescaped: schema) CASCADE")
        }
    }
}
