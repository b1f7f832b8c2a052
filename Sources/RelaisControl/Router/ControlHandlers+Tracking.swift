import Hummingbird
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// Tracking (SPEC §13): `GET /v1/shipments/{id}/tracking`, and the summary `show` gives.
extension ControlHandlers {
    /// `GET /v1/shipments/{id}/tracking`: the status and every event, by the carrier's time.
    func tracking(id: String) async throws -> Response {
        guard let log = state.tracking else {
            throw ControlError.notFound("this store keeps no tracking: tracking (SPEC §13) needs the SQLite store in this version")
        }
        guard let record = try await state.store.shipment(id: id) else { throw ControlError.notFound("no shipment \(id)") }
        guard let tracking = try await log.tracking(shipment: id) else {
            throw ControlError.notFound("shipment \(id) is not tracked: it is \(record.state.rawValue), tracking starts once booked")
        }
        return try JSONResponse.make(Self.trackingReply(tracking))
    }

    static func trackingReply(_ tracking: ShipmentTracking) -> TrackingReply {
        func iso(_ instant: Instant?) -> String? { instant.map { ISOTimestamp.string($0.millisecondsSinceEpoch) } }
        return TrackingReply(
            status: tracking.status?.rawValue, statusAt: iso(tracking.statusAt), deliveredAt: iso(tracking.deliveredAt),
            nextPollAt: iso(tracking.nextPollAt), lastPolledAt: iso(tracking.lastPolledAt), lastError: tracking.lastError,
            events: tracking.events.map(eventReply))
    }

    static func eventReply(_ event: TrackingEvent) -> TrackingEventReply {
        TrackingEventReply(
            at: ISOTimestamp.string(event.at.millisecondsSinceEpoch), status: event.status.rawValue, code: event.code,
            label: event.label, location: event.location)
    }

    /// The status a shipment's own view shows, with the latest event that has it.
    static func trackingSummary(_ tracking: ShipmentTracking) -> ShipmentTrackingReply {
        let event = tracking.events.last { $0.status == tracking.status }
        return ShipmentTrackingReply(
            status: tracking.status?.rawValue, statusAt: tracking.statusAt.map { ISOTimestamp.string($0.millisecondsSinceEpoch) },
            event: event.map(eventReply))
    }
}
