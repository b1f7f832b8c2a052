/// What an outbox event announces to the shop (SPEC §12). The raw value is the `type` of
/// the event's body and of `[[webhook]] events`.
public enum OutboxEventType: String, CaseIterable, Codable, Hashable, Sendable {
    case shipmentBooked = "shipment.booked"
    case shipmentHeld = "shipment.held"
    case shipmentFailed = "shipment.failed"
    case shipmentUncertain = "shipment.uncertain"
    case shipmentCancelled = "shipment.cancelled"
    case shipmentTracking = "shipment.tracking"
    case returnBooked = "return.booked"
    case manifestClosed = "manifest.closed"

    /// The event a shipment entering `state` announces, if the shop cares about that state.
    ///
    /// `queued`, `booking` and `deferred` are the broker's own business: the shop hears of
    /// the shipment again when it is booked, held, failed or uncertain.
    public static func announcing(_ state: ShipmentState) -> OutboxEventType? {
        switch state {
        case .booked: .shipmentBooked
        case .held: .shipmentHeld
        case .failed: .shipmentFailed
        case .uncertain: .shipmentUncertain
        case .cancelled: .shipmentCancelled
        case .queued, .booking, .deferred: nil
        }
    }
}
