import RelaisCore
import Testing

/// The rules of SPEC §14 for a cancel, without a store or a carrier.
struct CancelRuleTests {
    @Test(arguments: [ShipmentState.queued, .deferred, .held])
    func aShipmentNotYetAtACarrierIsCancelledWithoutOne(state: ShipmentState) {
        #expect(CancelRule.verdict(state: state, manifest: nil, trackingStatus: nil) == .withoutCarrier)
        #expect(ShipmentLifecycle.next(state, on: .cancel) == .success(.cancelled))
    }

    @Test func aBookedShipmentGoesToItsCarrier() {
        #expect(CancelRule.verdict(state: .booked, manifest: nil, trackingStatus: nil) == .atCarrier)
        #expect(CancelRule.verdict(state: .booked, manifest: nil, trackingStatus: "pre_transit") == .atCarrier)
        #expect(ShipmentLifecycle.next(.booked, on: .cancelledAtCarrier) == .success(.cancelled))
        // Only the carrier's word cancels a booked shipment.
        guard case .failure = ShipmentLifecycle.next(.booked, on: .cancel) else {
            Issue.record("a booked shipment was cancelled without its carrier")
            return
        }
    }

    @Test func aShipmentOnAClosedManifestIsRefusedSayingWhich() {
        guard case .refused(let reason) = CancelRule.verdict(state: .booked, manifest: "M-chronopost-lyon-dc-2026-11-30", trackingStatus: nil)
        else {
            Issue.record("not refused")
            return
        }
        #expect(reason.contains("closed manifest M-chronopost-lyon-dc-2026-11-30"))
    }

    @Test(arguments: ["in_transit", "out_for_delivery", "available_for_pickup", "delivered", "delivery_failed", "exception", "returned_to_sender"])
    func aParcelThatTrackingShowsMovingIsRefused(status: String) {
        guard case .refused(let reason) = CancelRule.verdict(state: .booked, manifest: nil, trackingStatus: status) else {
            Issue.record("\(status) was not refused")
            return
        }
        #expect(reason.contains("moving (\(status))"))
    }

    @Test(arguments: [
        (ShipmentState.booking, "under way"), (.uncertain, "reconcile"), (.failed, "does not apply"), (.cancelled, "already cancelled"),
    ])
    func otherStatesAreRefusedInTheLifecyclesWords(state: ShipmentState, words: String) {
        guard case .refused(let reason) = CancelRule.verdict(state: state, manifest: nil, trackingStatus: nil) else {
            Issue.record("\(state) was not refused")
            return
        }
        #expect(reason.contains(words))
    }

    @Test func cancelledIsTerminal() {
        for event in [ShipmentEvent.claim, .booked, .release, .requeue, .retry, .hold, .fail, .cancel, .cancelledAtCarrier] {
            guard case .failure = ShipmentLifecycle.next(.cancelled, on: event) else {
                Issue.record("\(event) left cancelled")
                continue
            }
        }
        #expect(OutboxEventType.announcing(.cancelled) == .shipmentCancelled)
    }
}
