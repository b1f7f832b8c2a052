import Hummingbird
import RelaisControlAPI
import RelaisStore

/// Tracking (SPEC §13): `GET /v1/shipments/{id}/tracking`.
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
        return try JSONResponse.make(TrackingReply(tracking))
    }
}
