import Foundation
import Logging
import RelaisConfig
import RelaisSandbox
import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisOutbox
@testable import RelaisRecords

/// The outbox service against relais-sandbox's OMS on loopback, which verifies every
/// signature: failures, timeouts, 410, slow receivers, rotation, order per shipment.
@Suite(.serialized) struct WebhookDeliveryTests {
    static let t0 = OutboxRig.readyMillis
    /// Short retries, so a test sees several attempts in a second.
    static let quick = DeliverySchedule(delays: [150, 150, 150], jitter: 0.1)
    static let newSecret = "whsec_" + Data("the new key, rotated in..".utf8).base64EncodedString()

    /// A running OMS, a store with the webhook (and optionally the spool) configured, and
    /// the outbox service delivering until `body` returns.
    static func withOutbox(
        secrets: [String] = [WebhookSignatureTests.vectorSecret], omsSecrets: [String]? = nil, timeout: Int = 5,
        spool: Bool = false, _ body: @Sendable (OutboxRig, Sandbox, [Int64]) async throws -> Void
    ) async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let sandbox = try Sandbox(carriersDirectory: OutboxRig.repository.appendingPathComponent("carriers").path)
        sandbox.oms.setSecrets(omsSecrets ?? secrets)
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run(port: 0) { continuation.yield($0) } }
            var iterator = urls.makeAsyncIterator()
            let base = try #require(await iterator.next())
            var webhook = WebhookSettings(
                number: 1, url: base + OMSReceiver.path, secretName: "oms", secrets: secrets.compactMap(WebhookSecret.init))
            webhook.timeoutSeconds = timeout
            webhook.maxInFlight = 4
            var settings = [OutboxEndpointSetting(target: webhook.url)]
            if spool { settings.append(OutboxEndpointSetting(target: "spool")) }
            let ids = try await rig.store.configureOutbox(endpoints: settings, trackingURLs: try OutboxRig.trackingURLs())
            let client = WebhookOutbox.makeClient(connectionsPerHost: 4)
            var endpoints = [
                OutboxService.Endpoint(
                    id: ids[0], name: "webhook-1", transport: WebhookOutbox(settings: webhook, client: client), maxInFlight: 4)
            ]
            if spool {
                let transport = SpoolOutbox(spool: rig.directory.appendingPathComponent("spool").path)
                try transport.prepare()
                endpoints.append(.init(id: ids[1], name: "spool", transport: transport, maxInFlight: 4))
            }
            let service = OutboxService(
                store: rig.store, endpoints: endpoints, schedule: quick, clock: { Int64(Date().timeIntervalSince1970 * 1000) },
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), pollInterval: .milliseconds(20))
            group.addTask { try await service.run() }
            do {
                try await body(rig, sandbox, ids)
            } catch {
                group.cancelAll()
                try? await client.shutdown()
                throw error
            }
            group.cancelAll()
            try? await group.waitForAll()
            try await client.shutdown()
        }
    }

    /// Polls the store until `condition` holds (deliveries are asynchronous), at most 30 s.
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        if try await RelaisTesting.eventually(condition) { return }
        Issue.record("timed out waiting for \(what)")
    }

    static func delivered(_ store: RecordStore, _ count: Int, endpoint: Int64? = nil) async throws {
        try await eventually("\(count) delivered") { try await store.outboxDeliveries(state: "delivered", endpoint: endpoint).count >= count }
    }

    @Test func aFailingReceiverGetsTheSameEventAgainUntilItAnswers2xx() async throws {
        try await Self.withOutbox { rig, sandbox, _ in
            sandbox.oms.script([.init(status: 500), .init(status: 503)])
            let ids = try await rig.shipments(1)
            try await rig.book(ids, at: Self.t0)
            try await Self.delivered(rig.store, 1)
            let received = sandbox.oms.received
            #expect(received.map(\.status) == [500, 503, 204])
            #expect(received.allSatisfy { $0.verified })
            #expect(Set(received.map(\.id)).count == 1)  // the same webhook-id on every retry
            #expect(Set(received.map(\.body)).count == 1)
            let event = try #require(try await rig.store.outboxDeliveries(state: "delivered").first)
            #expect(received[0].id == event.eventID && event.attempts == 3)
            #expect(try await rig.store.outboxEventBody(id: event.eventID) == received[0].body)
            #expect(sandbox.oms.accepted == 1)
        }
    }

    @Test func aReceiverThatDoesNotAnswerInTimeIsRetried() async throws {
        try await Self.withOutbox(timeout: 1) { rig, sandbox, _ in
            sandbox.oms.script([.init(status: 204, delay: .seconds(3))])
            let ids = try await rig.shipments(1)
            try await rig.book(ids, at: Self.t0)
            try await Self.eventually("a failed attempt") {
                try await rig.store.outboxDeliveries(state: "pending").first.map { $0.attempts == 1 && $0.lastError != nil } ?? false
            }
            let pending = try #require(try await rig.store.outboxDeliveries(state: "pending").first)
            #expect(pending.lastError?.contains("deadline") == true || pending.lastError?.contains("timeout") == true)
            try await Self.delivered(rig.store, 1)
        }
    }

    /// A slow receiver holds its own slots only: the spool gets every event meanwhile.
    /// Measured against the slow receiver's own delay, not a fixed time: the spool finishes
    /// before the webhook's first answer even on a loaded machine (a 0.7 s bound failed under
    /// a load average of 15 on 2 cores).
    @Test func aSlowReceiverDoesNotSlowAnotherEndpoint() async throws {
        try await Self.withOutbox(spool: true) { rig, sandbox, endpoints in
            let delay = Duration.seconds(3)
            sandbox.oms.script([], then: .init(status: 200, delay: delay))
            let ids = try await rig.shipments(8)
            let start = ContinuousClock.now
            try await rig.book(ids, at: Self.t0)
            try await Self.delivered(rig.store, 8, endpoint: endpoints[1])
            // Every spool file written while the webhook's first calls are still waiting.
            #expect(try await rig.store.outboxDeliveries(state: "delivered", endpoint: endpoints[0]).isEmpty)
            #expect(ContinuousClock.now - start < delay)
            try await Self.delivered(rig.store, 8, endpoint: endpoints[0])
            // 8 events, 4 in flight, 3 s each: two rounds (6 s), not eight (24 s).
            #expect(ContinuousClock.now - start < delay * 4)
            let files = try FileManager.default.contentsOfDirectory(atPath: rig.directory.appendingPathComponent("spool/out").path)
            #expect(files.filter { $0.hasSuffix(".json") }.count == 8)
            #expect(try FileManager.default.contentsOfDirectory(atPath: rig.directory.appendingPathComponent("spool/out/.tmp").path).isEmpty)
            let file = try #require(files.first { $0.hasSuffix(".json") })
            let bytes = try [UInt8](Data(contentsOf: rig.directory.appendingPathComponent("spool/out/\(file)")))
            #expect(try await rig.store.outboxEventBody(id: String(file.dropLast(5))) == bytes)
        }
    }

    @Test func goneDisablesTheEndpointAndNothingIsSentUntilEnabled() async throws {
        try await Self.withOutbox { rig, sandbox, endpoints in
            sandbox.oms.script([.init(status: 410)])
            let ids = try await rig.shipments(1)
            try await rig.book(ids, at: Self.t0)
            try await Self.eventually("the endpoint disabled") {
                try await rig.store.outboxBacklog().first { $0.id == endpoints[0] }?.disabledAt != nil
            }
            let later = try await rig.shipments(1, prefix: "L")
            try await rig.book(later, at: Self.t0 + 1)
            try await Task.sleep(for: .milliseconds(300))
            #expect(sandbox.oms.received.count == 1)
            #expect(try await rig.store.outboxDeliveries(state: "pending").count == 2)
            _ = try await rig.store.enableOutboxEndpoint(id: endpoints[0], actor: .operator(uid: 0), now: Self.t0)
            try await Self.delivered(rig.store, 2)
            #expect(sandbox.oms.received.map(\.status) == [410, 204, 204])
        }
    }

    /// Two secrets in the file: a receiver that already holds only the new key accepts.
    @Test func rotationTheReceiverHoldsOnlyTheNewSecret() async throws {
        try await Self.withOutbox(secrets: [WebhookSignatureTests.vectorSecret, Self.newSecret], omsSecrets: [Self.newSecret]) {
            rig, sandbox, _ in
            let ids = try await rig.shipments(1)
            try await rig.book(ids, at: Self.t0)
            try await Self.delivered(rig.store, 1)
            let received = try #require(sandbox.oms.received.first)
            #expect(received.verified && received.signature.split(separator: " ").count == 2)
        }
    }

    @Test func aReceiverWithTheWrongSecretRefusesAndTheEventStaysPending() async throws {
        try await Self.withOutbox(omsSecrets: [Self.newSecret]) { rig, sandbox, _ in
            let ids = try await rig.shipments(1)
            try await rig.book(ids, at: Self.t0)
            try await Self.eventually("a refused attempt") { !sandbox.oms.received.isEmpty }
            #expect(sandbox.oms.received[0].status == 401 && !sandbox.oms.received[0].verified)
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await rig.store.outboxDeliveries(state: "delivered").isEmpty)
        }
    }

    /// S-1 held, then released and booked: its booked event reaches the receiver only after
    /// its held event, although the held event failed twice first.
    @Test func aShipmentsEventsArriveInOrderWhileTheFirstIsRetried() async throws {
        try await Self.withOutbox { rig, sandbox, _ in
            sandbox.oms.script([.init(status: 500), .init(status: 500)])
            let ids = try await rig.shipments(1)
            try await rig.store.apply(.hold, to: ids[0], actor: .operator(uid: 0), now: Self.t0 + 1)
            try await rig.store.apply(.release, to: ids[0], actor: .operator(uid: 0), now: Self.t0 + 2)
            try await rig.book(ids, at: Self.t0 + 3)
            try await Self.delivered(rig.store, 2)
            let types = try sandbox.oms.received.map { received in
                (try JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any])?["type"] as? String
            }
            #expect(types == ["shipment.held", "shipment.held", "shipment.held", "shipment.booked"])
            #expect(sandbox.oms.received.map(\.status) == [500, 500, 204, 204])
        }
    }
}
