import RelaisConfig
import RelaisCore
import RelaisXML

/// What a carrier's tracking reply says about one parcel (SPEC §13).
public struct TrackReply: Hashable, Sendable {
    /// Every event the reply lists with a code and a readable time, in the reply's order
    /// (duplicates included: the store de-duplicates on (code, time)).
    public var events: [TrackingEvent]
    /// Events listed with a time the format cannot read: skipped, and counted so that an operator sees a definition out of step with its carrier.
    public var unreadable: Int

    public init(events: [TrackingEvent], unreadable: Int = 0) {
        self.events = events
        self.unreadable = unreadable
    }

    /// Codes the reply holds that carrier.toml does not map.
    public var unmappedCodes: Set<String> { Set(events.filter { $0.status == .unknown }.map(\.code)) }
}

extension ReplyReader {
    /// Reads a tracking reply: failures are classed as for any call (a SOAP fault, a 5xx, a
    /// carrier error), a reply that passes is read event by event with `[api.track]`.
    public func readTracking(status: Int, body: [UInt8]) -> Result<TrackReply, CarrierFailure> {
        guard let reading = operation.track else {
            return .failure(CarrierFailure(.permanent, "[api.\(operation.name)] does not read tracking events"))
        }
        switch read(status: status, body: body) {
        case .failure(var failure):
            // A tracking call changes nothing at the carrier: an unreadable reply is simply
            // asked again later, never an unknown outcome.
            if failure.failureClass == .unknownOutcome { failure.failureClass = .transient }
            return .failure(failure)
        case .success(let root):
            return .success(Self.events(in: root, reading: reading))
        }
    }

    /// The events of a parsed reply.
    public static func events(in root: XMLElement, reading: TrackReading) -> TrackReply {
        var events: [TrackingEvent] = []
        var unreadable = 0
        for element in reading.events.elements(in: root) {
            let code = reading.code.value(below: element) ?? ""
            // An element with no code, or no time, is no event yet: Colissimo's reply for a
            // parcel it has not seen, DPD's stages not reached. A time the format cannot
            // read is a reply out of step with the definition: counted.
            guard !code.isEmpty, let text = reading.timeText(of: element) else { continue }
            guard let at = reading.format.instant(text, zone: reading.timeZone) else {
                unreadable += 1
                continue
            }
            events.append(
                TrackingEvent(
                    at: at, code: code, status: reading.status(of: code),
                    label: reading.label?.value(below: element).flatMap { $0.isEmpty ? nil : $0 },
                    location: reading.location?.value(below: element).flatMap { $0.isEmpty ? nil : $0 }))
        }
        return TrackReply(events: events, unreadable: unreadable)
    }
}
