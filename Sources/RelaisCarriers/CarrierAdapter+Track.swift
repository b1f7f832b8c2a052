import RelaisConfig
import RelaisCore

extension CarrierAdapter {
    /// Whether the carrier's definition can track parcels (`[api.track]`).
    public var canTrack: Bool { api.track?.track != nil }

    /// Asks the carrier for the events of `trackingNumber` (SPEC §13). Never throws: a
    /// failure comes back classed; a tracking call changes nothing at the carrier, so no
    /// failure is an unknown outcome.
    public func track(trackingNumber: String, now: Instant) async -> Result<TrackReply, CarrierFailure> {
        guard let operation = api.track, operation.track != nil else {
            return .failure(CarrierFailure(.permanent, "\(carrierID) has no [api.track] operation"))
        }
        let reader = ReplyReader(operation: operation, maxBytes: maxReplyBytes)
        return await withToken(now: now.secondsSinceEpoch) { token in
            let context = TemplateContext(trackingNumber: trackingNumber, credentials: credentials, token: token)
            return await call(operation, context: context).flatMap { reply in
                reader.readTracking(status: reply.status, body: reply.body)
            }
        }
    }
}
