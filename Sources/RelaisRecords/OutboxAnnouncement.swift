import RelaisControlAPI
import RelaisCore

/// A shipment's change for the outbox to announce: the event's type, and a tracking
/// event's tracking.
struct OutboxAnnouncement {
    var type: OutboxEventType
    var shipment: String
    var tracking: ShipmentTrackingReply?
}
