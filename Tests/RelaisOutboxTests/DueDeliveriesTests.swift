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
}
