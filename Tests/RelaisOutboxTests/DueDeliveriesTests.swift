import Foundation
import RelaisStore
import Testing

/// The deliveries the one delivering process asks for (``RecordStore/dueOutboxDeliveries``):
/// due ones in order, those it has under way left out by the store, a shipment's later
/// events held behind its earlier ones.
struct DueDeliveriesTests {
    @Test func deliveriesUnderWayAreLeftOutAndTheLimitCountsTheOthers() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let endpoint = try #require(
            try await rig.store.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:]).first)
        let ids = try await rig.shipments(6)
        try await rig.book(ids, at: OutboxRig.readyMillis + 1000)
        let later = OutboxRig.readyMillis + 60_000
        let all = try await rig.store.dueOutboxDeliveries(endpoint: endpoint, now: later, limit: 100, excluding: [])
        let seqs = all.map(\.eventSeq)
        #expect(seqs.count == 6)
        #expect(seqs == seqs.sorted())
        #expect(Set(all.compactMap(\.shipmentID)) == Set(ids))

        // Three under way: the next three, in order, whatever the limit was before.
        let underWay = Set(seqs.prefix(3))
        let next = try await rig.store.dueOutboxDeliveries(endpoint: endpoint, now: later, limit: 2, excluding: underWay)
        #expect(next.map(\.eventSeq) == Array(seqs[3..<5]))
        #expect(next.allSatisfy { !$0.body.isEmpty })
        // Every one under way, or not yet due: nothing.
        #expect(try await rig.store.dueOutboxDeliveries(endpoint: endpoint, now: later, limit: 10, excluding: Set(seqs)).isEmpty)
        #expect(try await rig.store.dueOutboxDeliveries(endpoint: endpoint, now: OutboxRig.readyMillis, limit: 10, excluding: []).isEmpty)
        // Some left out, not in order: the rest, in order.
        let rest = try await rig.store.dueOutboxDeliveries(endpoint: endpoint, now: later, limit: 10, excluding: [seqs[4], seqs[1]])
        #expect(rest.map(\.eventSeq) == [seqs[0], seqs[2], seqs[3], seqs[5]])
    }

    /// A booking commit writes its outcomes' events together, their shipments read back in
    /// one go: each event's body is its own shipment's, as booked.
    @Test func aCommitsEventsEachShowTheirOwnShipment() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let endpoint = try #require(
            try await rig.store.configureOutbox(
                endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: try OutboxRig.trackingURLs()
            ).first)
        let ids = try await rig.shipments(5)
        try await rig.book(ids, at: OutboxRig.readyMillis + 1000)
        let booked = try await rig.store.dueOutboxDeliveries(endpoint: endpoint, now: OutboxRig.readyMillis + 60_000, limit: 100, excluding: [])
            .filter { $0.type == "shipment.booked" }
        #expect(Set(booked.compactMap(\.shipmentID)) == Set(ids))
        for event in booked {
            let id = try #require(event.shipmentID)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(event.body)) as? [String: Any])
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["id"] as? String == id)
            #expect(data["state"] as? String == "booked")
            #expect(data["tracking_number"] as? String == "TRK\(id)")
            #expect(data["label_path"] as? String == "/labels/\(id).pdf")
            #expect(data["promised_by"] as? String == "2026-11-26")
            #expect((data["tracking_url"] as? String)?.contains("TRK\(id)") == true, "\(data)")
            let attempts = try #require(data["attempts"] as? [[String: Any]])
            #expect(attempts.count == 1 && attempts.first?["outcome"] as? String == "booked")
            #expect(attempts.first?["carrier"] as? String == data["carrier"] as? String)
            let orders = try #require(data["orders"] as? [String])
            #expect(orders.count == 1 && orders.allSatisfy { $0.hasPrefix("O-") })
        }
        let orders = booked.compactMap { event -> String? in
            let body = try? JSONSerialization.jsonObject(with: Data(event.body)) as? [String: Any]
            return ((body?["data"] as? [String: Any])?["orders"] as? [String])?.first
        }
        #expect(Set(orders).count == ids.count)
    }
}
