import PostgresNIO
import RelaisCore
@testable import RelaisPostgres
import RelaisStore
import Testing

/// The outbox and tracking with several nodes on one database (SPEC §16): a due delivery or
/// poll is handed to one node only, even when they ask at the same instant, and a node that
/// dies with it in hand leaves it to another once its lease runs out.
@Suite(.enabled(if: TestDatabase.url != nil, "RELAIS_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh"))
struct PostgresOutboxTrackingTests {
    /// Two nodes on one schema, `count` shipments booked by the first, the spool configured.
    func booked(_ client: PostgresClient, _ count: Int, lease: Duration = .seconds(30)) async throws
        -> (a: PostgresStore, b: PostgresStore, ids: [String], spool: Int64)
    {
        let a = PostgresStore(client: client, node: "node-a", lease: lease, deadline: TestDatabase.deadline)
        let b = PostgresStore(client: client, node: "node-b", lease: lease, deadline: TestDatabase.deadline)
        try await a.migrate()
        let spool = try await a.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])[0]
        let orders = (1...count).map { Fixtures.incoming(Fixtures.json(id: "M-\($0)", name: "C \($0)", street: "\($0) rue")) }
        _ = try await a.accept(orders, source: "test", now: Fixtures.readyMillis)
        let ids = try await Fixtures.stage(a).runOnce(now: Fixtures.readyMillis).created
        let now = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1)
        let claimed = try await a.claim(limits: [:], othersLimit: count, now: now)
        try await a.commit(
            claimed.map {
                BookingOutcome(
                    shipment: $0.id, carrier: $0.carrier ?? "", service: $0.service ?? "",
                    result: .booked(trackingNumber: "TRK\($0.id)", carrierPrice: nil, labelPath: nil), startedAt: now, finishedAt: now)
            }, breakerOpenings: [], now: now)
        return (a, b, ids, spool)
    }

    /// Nodes starting together each put the one relais.toml's outbox in force: none stops
    /// on the other's rows, and the templates and endpoints are the configuration's.
    @Test func nodesConfiguringTheOutboxAtOnceAllStart() async throws {
        try await TestDatabase.withSchema(maximumConnections: 8) { client in
            let nodes = (1...8).map { PostgresStore(client: client, node: "node-\($0)", deadline: TestDatabase.deadline) }
            try await nodes[0].migrate()
            let templates = ["colissimo": "https://c.example/{tracking_number}", "dpd": "https://d.example/{tracking_number}"]
            // Without endpoints (no row to wait on), then with them.
            for endpoints in [[], [OutboxEndpointSetting(target: "spool"), OutboxEndpointSetting(target: "https://shop.example/hook")]] {
                for _ in 1...4 {
                    let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
                        for node in nodes { group.addTask { try await node.configureOutbox(endpoints: endpoints, trackingURLs: templates) } }
                        var all: [[Int64]] = []
                        for try await ids in group { all.append(ids) }
                        return all
                    }
                    #expect(Set(ids).count == 1 && ids[0].count == endpoints.count, "every node names the same endpoints: \(ids)")
                }
            }
            var stored: [String: String] = [:]
            for try await (carrier, template) in try await client.query("SELECT carrier, template FROM outbox_tracking_urls")
                .decode((String, String).self)
            {
                stored[carrier] = template
            }
            #expect(stored == templates)
            // A carrier dropped from the configuration loses its template.
            try await nodes[1].configureOutbox(endpoints: [], trackingURLs: ["dpd": "https://d.example/{tracking_number}"])
            let left = try await client.query("SELECT carrier FROM outbox_tracking_urls").collect().map { try $0.decode(String.self) }
            #expect(left == ["dpd"])
        }
    }

    @Test func twoNodesNeverClaimOneDeliveryAndADeadNodesDeliveriesAreTakenOverAfterItsLease() async throws {
        try await TestDatabase.withSchema { client in
            let (a, b, ids, spool) = try await booked(client, 12)
            let now = Fixtures.readyMillis + 10
            let lease: Int64 = 30_000
            // Both nodes ask at once, twice each: every delivery goes to one node only.
            let claims = try await withThrowingTaskGroup(of: (String, [OutboxDelivery]).self) { group in
                for store in [a, b, a, b] {
                    group.addTask { (store.node, try await store.claimOutboxDeliveries(endpoint: spool, now: now, limit: 4, lease: lease)) }
                }
                var all: [(String, [OutboxDelivery])] = []
                for try await claim in group { all.append(claim) }
                return all
            }
            let seqs = claims.flatMap { $0.1.map(\.eventSeq) }
            #expect(seqs.count == ids.count && Set(seqs).count == ids.count)
            let pending = try await a.outboxDeliveries(state: "pending", endpoint: spool, limit: 100)
            #expect(pending.count == ids.count && pending.allSatisfy { $0.nextAttemptAt == now + lease })
            // Node a delivers its share; node b dies with its own in hand.
            let ofA = claims.filter { $0.0 == "node-a" }.flatMap(\.1)
            let ofB = claims.filter { $0.0 == "node-b" }.flatMap(\.1)
            #expect(!ofA.isEmpty && !ofB.isEmpty)
            try await a.recordOutboxResults(ofA.map { ($0, .delivered) }, now: now + 100)
            #expect(try await a.claimOutboxDeliveries(endpoint: spool, now: now + lease - 1, limit: 100, lease: lease).isEmpty)
            // Past b's lease, a takes them over, with the same ids and bodies: at least once.
            let takenOver = try await a.claimOutboxDeliveries(endpoint: spool, now: now + lease, limit: 100, lease: lease)
            #expect(Set(takenOver.map(\.eventID)) == Set(ofB.map(\.eventID)))
            #expect(Set(takenOver.map(\.body)) == Set(ofB.map(\.body)))
            let stamped = try await client.query("SELECT DISTINCT claimed_by FROM outbox_deliveries WHERE state = 'pending'").collect()
                .map { try $0.decode(String.self) }
            #expect(stamped == ["node-a"])
        }
    }

    @Test func twoNodesNeverPollOneShipmentAndADeadNodesPollsAreTakenOverAfterItsLease() async throws {
        try await TestDatabase.withSchema { client in
            let (a, b, ids, _) = try await booked(client, 6, lease: .seconds(30))
            guard let carrier = try await a.shipment(id: ids[0])?.carrier else { throw StoreError.notFound(ids[0]) }
            let now = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 10)
            let due = try await withThrowingTaskGroup(of: (String, [TrackedShipment]).self) { group in
                for store in [a, b, a, b] {
                    group.addTask { (store.node, try await store.dueTracking(carrier: carrier, now: now, limit: 2)) }
                }
                var all: [(String, [TrackedShipment])] = []
                for try await claim in group { all.append(claim) }
                return all
            }
            let booked = try await a.shipments(state: .booked, carrier: carrier, limit: 100).map(\.id)
            let polled = due.flatMap { $0.1.map(\.shipmentID) }
            #expect(polled.count == booked.count && Set(polled) == Set(booked))
            #expect(try await b.dueTracking(carrier: carrier, now: now + .seconds(29), limit: 100).isEmpty)
            // Node a records its polls; node b dies before recording its own.
            let ofA = due.filter { $0.0 == "node-a" }.flatMap(\.1)
            let ofB = due.filter { $0.0 == "node-b" }.flatMap(\.1)
            try await a.recordTracking(
                ofA.map { TrackingPoll(shipmentID: $0.shipmentID, outcome: .events([]), pickup: $0.readyAt, bookedAt: $0.bookedAt) },
                schedule: TrackingSchedule(), now: now + .seconds(1))
            let takenOver = try await a.dueTracking(carrier: carrier, now: now + .seconds(30), limit: 100)
            #expect(Set(takenOver.map(\.shipmentID)) == Set(ofB.map(\.shipmentID)))
        }
    }
}
