import Foundation
import RelaisCore
import RelaisXML

/// How `[api.track]` reads a tracking reply (SPEC §13): the events, each event's fields,
/// and the carrier's codes mapped to normalised statuses, as data.
public struct TrackReading: Hashable, Sendable {
    /// Selects every event element of the reply.
    public var events: XMLPath
    /// The carrier's event code, relative to an event element.
    public var code: XMLPath
    /// The event time: one field (`event_at`), or the date and time fields joined by a
    /// space (`event_date`, `event_time`), read with `format`.
    public var at: XMLPath?
    public var date: XMLPath?
    public var time: XMLPath?
    public var format: CarrierTimeFormat
    /// The carrier's local time zone, for times that carry no offset.
    public var timeZone: TimeZone
    public var label: XMLPath?
    public var location: XMLPath?
    /// The carrier's codes → statuses; a code not here is `unknown`.
    public var statuses: [String: TrackingStatus]

    public init(
        events: XMLPath, code: XMLPath, at: XMLPath? = nil, date: XMLPath? = nil, time: XMLPath? = nil,
        format: CarrierTimeFormat = .iso8601, timeZone: TimeZone, label: XMLPath? = nil, location: XMLPath? = nil,
        statuses: [String: TrackingStatus]
    ) {
        self.events = events
        self.code = code
        self.at = at
        self.date = date
        self.time = time
        self.format = format
        self.timeZone = timeZone
        self.label = label
        self.location = location
        self.statuses = statuses
    }

    /// The status `code` maps to.
    public func status(of code: String) -> TrackingStatus { statuses[code] ?? .unknown }

    /// The text of `event`'s time as the carrier wrote it (date and time joined by a
    /// space), or nil when the event has none: a stage not reached yet (DPD lists those).
    public func timeText(of event: XMLElement) -> String? {
        let text: String?
        if let at {
            text = at.value(below: event)
        } else if let date, let day = date.value(below: event), !day.isEmpty {
            let clock = time?.value(below: event) ?? ""
            text = clock.isEmpty ? day : "\(day) \(clock)"
        } else {
            text = nil
        }
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// The time of `event`, or nil when it has none the format reads.
    public func instant(of event: XMLElement) -> Instant? {
        timeText(of: event).flatMap { format.instant($0, zone: timeZone) }
    }
}
