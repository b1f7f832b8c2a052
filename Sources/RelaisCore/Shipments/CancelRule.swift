/// Whether and how a shipment may be cancelled (SPEC §14), as a value: the store gathers
/// the facts in its transaction, this says what follows. Pure, so every rule is tested
/// without a store or a carrier.
public enum CancelRule {
    /// What a cancel request comes to.
    public enum Verdict: Hashable, Sendable {
        /// Not at a carrier yet (`queued`, `deferred`, `held`): cancelled at once.
        case withoutCarrier
        /// Booked: the carrier must cancel it, through its `[api.cancel]`.
        case atCarrier
        /// Refused, with the reason the operator reads (the control API's 409).
        case refused(String)
    }

    /// Tracking statuses (SPEC §13) that say the parcel is still with the shipper: a cancel
    /// may go ahead. Anything else the carrier reported (in transit, delivered, an
    /// exception…) means it is moving, and a cancel is refused. No status at all (tracking
    /// not polled yet, or a store without tracking) is no evidence of movement.
    public static let statusesBeforeMovement: Set<String> = ["pre_transit", "unknown", "cancelled"]

    /// The verdict for a shipment in `state`.
    ///
    /// - Parameters:
    ///   - manifest: the closed manifest it is on, if any: the driver has taken it.
    ///   - trackingStatus: its normalised tracking status, when the store keeps one.
    public static func verdict(state: ShipmentState, manifest: String?, trackingStatus: String?) -> Verdict {
        switch state {
        case .queued, .deferred, .held:
            return .withoutCarrier
        case .booked:
            if let manifest {
                return .refused("it is on the closed manifest \(manifest): the carrier has taken it")
            }
            if let status = trackingStatus, !statusesBeforeMovement.contains(status) {
                return .refused("tracking shows it moving (\(status)): ask the carrier to return it instead")
            }
            return .atCarrier
        case .booking, .uncertain, .failed, .cancelled:
            // The lifecycle words these refusals; one place says them.
            switch ShipmentLifecycle.next(state, on: .cancel) {
            case .success: return .withoutCarrier
            case .failure(let refusal): return .refused(refusal.reason)
            }
        }
    }
}
