import RelaisCore
import RelaisStore

extension TrackingEventReply {
    /// A recorded carrier event as the control API and `shipment.tracking` events show it:
    /// one mapping, so the two never differ.
    public init(_ event: TrackingEvent) {
        self.init(
            at: ISOTimestamp.string(event.at.millisecondsSinceEpoch), status: event.status.rawValue, code: event.code,
            label: event.label, location: event.location)
    }
}

extension TrackingReply {
    /// A shipment's tracking as `GET /v1/shipments/{id}/tracking` shows it.
    public init(_ tracking: ShipmentTracking) {
        func iso(_ instant: Instant?) -> String? { instant.map { ISOTimestamp.string($0.millisecondsSinceEpoch) } }
        self.init(
            status: tracking.status?.rawValue, statusAt: iso(tracking.statusAt), deliveredAt: iso(tracking.deliveredAt),
            nextPollAt: iso(tracking.nextPollAt), lastPolledAt: iso(tracking.lastPolledAt), lastError: tracking.lastError,
            events: tracking.events.map(TrackingEventReply.init))
    }
}

extension ShipmentTrackingReply {
    /// The status a shipment's own view shows, with the latest event that has it.
    public init(_ tracking: ShipmentTracking) {
        self.init(
            status: tracking.status?.rawValue, statusAt: tracking.statusAt.map { ISOTimestamp.string($0.millisecondsSinceEpoch) },
            event: tracking.events.last { $0.status == tracking.status }.map(TrackingEventReply.init))
    }
}
