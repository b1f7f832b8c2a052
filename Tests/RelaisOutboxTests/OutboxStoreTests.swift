import Foundation
import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisCore
@testable import RelaisRecords

/// The transactional outbox in the store: events written with their change, bodies frozen,
/// deliveries claimed in order per shipment per endpoint.
@Suite struct OutboxStoreTests {
    static let t0 = OutboxRig.readyMillis
    static let webhookURL = "http://127.0.0.1:9/hooks"

    func configured(_ rig: OutboxRig, events: Set<OutboxEventType> = []) async throws -> (spool: Int64, webhook: Int64) {
        let ids = try await rig.store.configureOutbox(
            endpoints: [OutboxEndpointSetting(target: "spool"), OutboxEndpointSetting(target: Self.webhookURL, events: events)],
            trackingURLs: try OutboxRig.trackingURLs())
        return (ids[0], ids[1])
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func aBookingCommitWritesOneEventPerShipmentWithTheShipmentAsShown() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let endpoints = try await configured(rig)
        let ids = try await rig.shipments(2)
        #expect(try await rig.store.outboxDeliveries().isEmpty)  // queued: nothing for the shop yet
        try await rig.book(ids, at: Self.t0 + 1000)

        let pending = try await rig.store.outboxDeliveries(state: "pending")
        #expect(pending.count == 4)  // two events, each for the spool and the webhook
        #expect(Set(pending.map(\.type)) == ["shipment.booked"])
        #expect(Set(pending.map(\.eventID)).count == 2)
        #expect(pending.allSatisfy { $0.eventID.hasPrefix("evt_") && $0.eventID.count == 30 })

        let claimed = try await rig.store.claimOutboxDeliveries(endpoint: endpoints.spool, now: Self.t0 + 2000, limit: 10, lease: 60_000)
        #expect(claimed.count == 2)
        let delivery = try #require(claimed.first { $0.shipmentID == ids[0] })
        let body = try json(delivery.body)
        #expect(Array(body.keys).sorted() == ["data", "id", "timestamp", "type"])
        #expect(body["id"] as? String == delivery.eventID)
        #expect(body["type"] as? String == "shipment.booked")
        #expect(body["timestamp"] as? String == "2026-11-23T09:15:01.000Z")
        let data = try #require(body["data"] as? [String: Any])
        let shipment = try #require(try await rig.store.shipment(id: ids[0]))
        let carrier = try #require(shipment.carrier)
        #expect(data["id"] as? String == ids[0])
        #expect(data["state"] as? String == "booked")
        #expect(data["orders"] as? [String] == ["O-1"])
        #expect(data["tracking_number"] as? String == "TRK\(ids[0])")
        let template = try #require(try OutboxRig.trackingURLs()[carrier])
        #expect(data["tracking_url"] as? String == template.replacingOccurrences(of: "{{tracking_number}}", with: "TRKS-1"))
        #expect(data["promised_by"] as? String == "2026-11-26")
        #expect(data["late"] as? Bool == false)
        #expect(data["label_path"] as? String == "/labels/\(ids[0]).pdf")
        #expect((data["ghg"] as? [String: Any])?["co2e_kg"] != nil)
        #expect((data["attempts"] as? [[String: Any]])?.first?["outcome"] as? String == "booked")
        #expect(data["label"] == nil)
        // The same bytes for every endpoint: frozen when written.
        let webhook = try await rig.store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: Self.t0 + 2000, limit: 10, lease: 60_000)
        #expect(webhook.first { $0.eventID == delivery.eventID }?.body == delivery.body)
        #expect(try await rig.store.outboxEventBody(id: delivery.eventID) == delivery.body)
    }

    /// No event without its change: a group commit that fails part-way leaves neither the
    /// changes nor their events.
    @Test func aRefusedCommitLeavesNoEvent() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        _ = try await configured(rig)
        let ids = try await rig.shipments(2)
        let claimed = try await rig.store.claim(limit: 1, now: Self.t0 + 1)  // S-1 booking, S-2 still queued
        #expect(claimed.map(\.id) == [ids[0]])
        let outcomes = ids.map { id in
            BookingOutcome(
                shipment: id, carrier: "dpd", service: "predict",
                result: .booked(trackingNumber: "T-\(id)", carrierPrice: nil, labelPath: nil), startedAt: Self.t0.instant, finishedAt: Self.t0.instant)
        }
        await #expect(throws: StoreError.self) { try await rig.store.commit(outcomes, now: (Self.t0 + 2).instant) }
        #expect(try await rig.store.outboxDeliveries().isEmpty)
        #expect(try await rig.store.shipment(id: ids[0])?.state == .booking)
        // And no change without its event: the same commit for the claimed one alone.
        try await rig.store.commit([outcomes[0]], now: (Self.t0 + 3).instant)
        #expect(try await rig.store.outboxDeliveries().map(\.shipmentID) == [ids[0], ids[0]])
    }

    @Test func withoutEndpointsNoEventIsWritten() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let ids = try await rig.shipments(1)
        try await rig.book(ids, at: Self.t0 + 1)
        #expect(try await rig.store.outboxDeliveries().isEmpty)
    }

    /// Holds at decision time bypass applyEvent (the shipment is created held): they are
    /// announced too. An endpoint that wants only `shipment.booked` does not get them.
    @Test func policyHoldsOperatorActionsAndRecoveryAreAnnounced() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let endpoints = try await configured(rig, events: [.shipmentBooked])
        let held = try await rig.shipments(1, prefix: "H", weight: 900)
        #expect(try await rig.store.shipment(id: held[0])?.state == .held)
        let queued = try await rig.shipments(3, prefix: "Q")
        try await rig.store.apply(.hold, to: queued[0], actor: .operator(uid: 0), now: Self.t0 + 1)
        try await rig.store.apply(.fail, to: queued[1], actor: .operator(uid: 0), now: Self.t0 + 2)
        _ = try await rig.store.claim(limit: 10, now: Self.t0 + 3)
        #expect(try await rig.store.recoverInterruptedBookings(now: (Self.t0 + 4).instant) == [queued[2]])

        let spool = try await rig.store.outboxDeliveries(endpoint: endpoints.spool)
        #expect(
            spool.reversed().map { "\($0.shipmentID!) \($0.type)" } == [
                "\(held[0]) shipment.held", "\(queued[0]) shipment.held", "\(queued[1]) shipment.failed",
                "\(queued[2]) shipment.uncertain",
            ])
        #expect(try await rig.store.outboxDeliveries(endpoint: endpoints.webhook).isEmpty)
        let claimed = try await rig.store.claimOutboxDeliveries(endpoint: endpoints.spool, now: Self.t0 + 5, limit: 10, lease: 1000)
        let heldBody = try json(try #require(claimed.first { $0.shipmentID == held[0] }).body)
        let data = try #require(heldBody["data"] as? [String: Any])
        #expect(data["state"] as? String == "held")
        #expect((data["reason"] as? String)?.contains("no eligible service") == true)
    }

    /// A shipment's later event waits while an earlier one is retried; other shipments'
    /// events do not wait.
    @Test func eventsOfAShipmentAreDeliveredInOrderWhileAnEarlierOneIsRetried() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let endpoints = try await configured(rig)
        let ids = try await rig.shipments(2)
        let store = rig.store
        try await store.apply(.hold, to: ids[0], actor: .operator(uid: 0), now: Self.t0 + 1)  // event 1 of S-1
        try await store.apply(.release, to: ids[0], actor: .operator(uid: 0), now: Self.t0 + 2)
        try await rig.book(ids, at: Self.t0 + 3)  // event 2 of S-1, event 1 of S-2
        let id = endpoints.webhook

        var now = Self.t0 + 10
        let first = try await store.claimOutboxDeliveries(endpoint: id, now: now, limit: 10, lease: 30_000)
        #expect(first.map { "\($0.shipmentID!) \($0.type)" } == ["\(ids[0]) shipment.held", "\(ids[1]) shipment.booked"])
        let held = first[0]
        // The held event fails: retried in 5 s. The booked event of S-1 waits meanwhile.
        try await store.recordOutboxResults(
            [(held, .retry(at: now + 5000, error: "HTTP 503")), (first[1], .delivered)], now: now)
        now += 1000
        #expect(try await store.claimOutboxDeliveries(endpoint: id, now: now, limit: 10, lease: 30_000).isEmpty)
        now += 5000
        let again = try await store.claimOutboxDeliveries(endpoint: id, now: now, limit: 10, lease: 30_000)
        #expect(again.map(\.eventID) == [held.eventID])
        #expect(again[0].attempts == 1 && again[0].body == held.body)
        // While it is in flight (leased), nothing else of S-1 is due, nor is it again.
        #expect(try await store.claimOutboxDeliveries(endpoint: id, now: now + 1, limit: 10, lease: 30_000).isEmpty)
        try await store.recordOutboxResults([(again[0], .delivered)], now: now + 100)
        let next = try await store.claimOutboxDeliveries(endpoint: id, now: now + 200, limit: 10, lease: 30_000)
        #expect(next.map { "\($0.shipmentID!) \($0.type)" } == ["\(ids[0]) shipment.booked"])
        // A dead event does not block the ones after it for ever.
        try await store.recordOutboxResults([(next[0], .dead(error: "HTTP 500"))], now: now + 300)
        let dead = try await store.outboxDeliveries(state: "dead", endpoint: id)
        #expect(dead.map(\.eventID) == [next[0].eventID])
        #expect(dead[0].lastError == "HTTP 500" && dead[0].attempts == 1)
    }

    @Test func goneDisablesTheEndpointUntilEnabledAndReplayKeepsTheId() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let endpoints = try await configured(rig)
        let store = rig.store
        let ids = try await rig.shipments(1)
        try await rig.book(ids, at: Self.t0 + 1)
        let claimed = try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: Self.t0 + 2, limit: 10, lease: 30_000)
        try await store.recordOutboxResults([(claimed[0], .gone(error: "HTTP 410 Gone"))], now: Self.t0 + 3)
        let backlog = try #require(try await store.outboxBacklog().first { $0.id == endpoints.webhook })
        #expect(backlog.disabledAt == Self.t0 + 3 && backlog.pending == 1)
        #expect(try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: Self.t0 + 99_000, limit: 10, lease: 1).isEmpty)
        // The spool is another endpoint: not disabled.
        #expect(try await store.claimOutboxDeliveries(endpoint: endpoints.spool, now: Self.t0 + 4, limit: 10, lease: 1).count == 1)

        #expect(try await store.enableOutboxEndpoint(id: endpoints.webhook, actor: .operator(uid: 0), now: Self.t0 + 5))
        #expect(!(try await store.enableOutboxEndpoint(id: endpoints.webhook, actor: .operator(uid: 0), now: Self.t0 + 5)))
        let resent = try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: Self.t0 + 5, limit: 10, lease: 30_000)
        #expect(resent.map(\.eventID) == [claimed[0].eventID])
        try await store.recordOutboxResults([(resent[0], .delivered)], now: Self.t0 + 6)
        #expect(try await store.outboxDeliveries(state: "delivered", endpoint: endpoints.webhook).count == 1)

        // Replay: the same id and body again, to every endpoint it was for.
        #expect(try await store.replayOutboxEvent(id: claimed[0].eventID, actor: .operator(uid: 0), now: Self.t0 + 7) == 2)
        let replayed = try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: Self.t0 + 7, limit: 10, lease: 30_000)
        #expect(replayed.map(\.eventID) == [claimed[0].eventID] && replayed[0].body == claimed[0].body && replayed[0].attempts == 0)
        await #expect(throws: StoreError.self) { try await store.replayOutboxEvent(id: "evt_nope", actor: .operator(uid: 0), now: 0) }
    }

    /// The daemon's claims are reads: what it has under way is named in `excluding`, and the
    /// store is not written until results are recorded.
    @Test func dueDeliveriesAreReadOnlyAndSkipWhatIsUnderWay() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let endpoints = try await configured(rig)
        let store = rig.store
        let ids = try await rig.shipments(3)
        try await rig.book(ids, at: Self.t0 + 1)
        let first = try await store.dueOutboxDeliveries(endpoint: endpoints.webhook, now: Self.t0 + 2, limit: 2, excluding: [])
        #expect(first.map(\.shipmentID) == [ids[0], ids[1]])
        // Nothing leased: the same read finds them again; excluded, the next one comes.
        #expect(try await store.dueOutboxDeliveries(endpoint: endpoints.webhook, now: Self.t0 + 2, limit: 2, excluding: []) == first)
        let rest = try await store.dueOutboxDeliveries(
            endpoint: endpoints.webhook, now: Self.t0 + 2, limit: 2, excluding: Set(first.map(\.eventSeq)))
        #expect(rest.map(\.shipmentID) == [ids[2]])
        #expect(try await store.outboxDeliveries(state: "pending").allSatisfy { $0.nextAttemptAt == Self.t0 + 1 })
    }
}
