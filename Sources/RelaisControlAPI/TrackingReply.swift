/// `GET /v1/shipments/{id}/tracking` (SPEC §13): the normalised status and every event
/// recorded, by the carrier's time.
public struct TrackingReply: Codable, Hashable, Sendable {
    /// `pre_transit` … `unknown`; null before the first event.
    public var status: String?
    public var statusAt: String?
    public var deliveredAt: String?
    public var nextPollAt: String?
    public var lastPolledAt: String?
    public var lastError: String?
    public var events: [TrackingEventReply]

    public init(
        status: String?, statusAt: String?, deliveredAt: String?, nextPollAt: String?, lastPolledAt: String?, lastError: String?,
        events: [TrackingEventReply]
    ) {
        self.status = status
        self.statusAt = statusAt
        self.deliveredAt = deliveredAt
        self.nextPollAt = nextPollAt
        self.lastPolledAt = lastPolledAt
        self.lastError = lastError
        self.events = events
    }

    enum CodingKeys: String, CodingKey {
        case status, statusAt = "status_at", deliveredAt = "delivered_at", nextPollAt = "next_poll_at"
        case lastPolledAt = "last_polled_at", lastError = "last_error", events
    }

    /// Every key present, `null` when empty, as scripts expect.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(statusAt, forKey: .statusAt)
        try c.encode(deliveredAt, forKey: .deliveredAt)
        try c.encode(nextPollAt, forKey: .nextPollAt)
        try c.encode(lastPolledAt, forKey: .lastPolledAt)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(events, forKey: .events)
    }
}

/// One carrier event: `{"at", "status", "code", "label", "location"}`.
public struct TrackingEventReply: Codable, Hashable, Sendable {
    public var at: String
    public var status: String
    public var code: String
    public var label: String?
    public var location: String?

    public init(at: String, status: String, code: String, label: String?, location: String?) {
        self.at = at
        self.status = status
        self.code = code
        self.label = label
        self.location = location
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(status, forKey: .status)
        try c.encode(code, forKey: .code)
        try c.encode(label, forKey: .label)
        try c.encode(location, forKey: .location)
    }
}

/// A shipment's tracking in its own reply and in `shipment.tracking` outbox events
/// (SPEC §12): `{"status", "status_at", "event"}`, the event the status came from.
public struct ShipmentTrackingReply: Codable, Hashable, Sendable {
    public var status: String?
    public var statusAt: String?
    public var event: TrackingEventReply?

    public init(status: String?, statusAt: String?, event: TrackingEventReply?) {
        self.status = status
        self.statusAt = statusAt
        self.event = event
    }

    enum CodingKeys: String, CodingKey {
        case status, statusAt = "status_at", event
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(statusAt, forKey: .statusAt)
        try c.encode(event, forKey: .event)
    }
}
