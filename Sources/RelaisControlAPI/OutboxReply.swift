/// One event at one endpoint: an item of `GET /v1/outbox` (SPEC §12).
public struct OutboxDeliveryReply: Codable, Hashable, Sendable {
    /// The event id (`evt_…`), the `webhook-id` of every attempt.
    public var id: String
    public var type: String
    /// When the event was written (ISO 8601, UTC).
    public var timestamp: String
    public var shipment: String?
    /// `spool`, `webhook-1`, …; the target when it is no longer in relais.toml.
    public var endpoint: String
    /// `pending` | `delivered` | `dead`.
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: String?
    public var deliveredAt: String?
    public var lastError: String?

    public init(
        id: String, type: String, timestamp: String, shipment: String?, endpoint: String, state: String, attempts: Int,
        nextAttemptAt: String?, deliveredAt: String?, lastError: String?
    ) {
        self.id = id
        self.type = type
        self.timestamp = timestamp
        self.shipment = shipment
        self.endpoint = endpoint
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }

    enum CodingKeys: String, CodingKey {
        case id, type, timestamp, shipment, endpoint, state, attempts, nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at", lastError = "last_error"
    }
}

/// `GET /v1/outbox`.
public struct OutboxListReply: Codable, Hashable, Sendable {
    public var deliveries: [OutboxDeliveryReply]

    public init(deliveries: [OutboxDeliveryReply]) { self.deliveries = deliveries }
}

/// An outbox endpoint and its backlog: an item of `GET /v1/webhooks`, and of the status.
///
/// - Important: Never a secret: the credentials file's name at most.
public struct OutboxEndpointReply: Codable, Hashable, Sendable {
    /// `spool`, `webhook-1`, …
    public var name: String
    /// The webhook's number (`POST /v1/webhooks/{n}/enable`); nil for the spool.
    public var number: Int?
    /// The webhook's URL, or the spool's `out/` directory.
    public var target: String
    /// `enabled` | `disabled` (a `410 Gone`, until an operator enables it).
    public var state: String
    public var disabledAt: String?
    public var disabledReason: String?
    public var events: [String]
    public var includeLabel: Bool
    public var pending: Int
    public var dead: Int
    /// Age of the oldest pending event, seconds; nil when nothing is pending.
    public var oldestPendingSeconds: Double?

    public init(
        name: String, number: Int?, target: String, state: String, disabledAt: String?, disabledReason: String?,
        events: [String], includeLabel: Bool, pending: Int, dead: Int, oldestPendingSeconds: Double?
    ) {
        self.name = name
        self.number = number
        self.target = target
        self.state = state
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
        self.events = events
        self.includeLabel = includeLabel
        self.pending = pending
        self.dead = dead
        self.oldestPendingSeconds = oldestPendingSeconds
    }

    enum CodingKeys: String, CodingKey {
        case name, number, target, state, disabledAt = "disabled_at", disabledReason = "disabled_reason", events
        case includeLabel = "include_label", pending, dead, oldestPendingSeconds = "oldest_pending_s"
    }
}

/// `GET /v1/webhooks`: the spool (when configured) and every webhook.
public struct OutboxEndpointListReply: Codable, Hashable, Sendable {
    public var endpoints: [OutboxEndpointReply]

    public init(endpoints: [OutboxEndpointReply]) { self.endpoints = endpoints }
}

/// `POST /v1/outbox/{id}/replay` and `POST /v1/webhooks/{n}/enable`.
public struct OutboxActionReply: Codable, Hashable, Sendable {
    public var target: String
    public var action: String
    /// Deliveries made pending again (replay), or 1 / 0 (enable: it was disabled or not).
    public var changed: Int

    public init(target: String, action: String, changed: Int) {
        self.target = target
        self.action = action
        self.changed = changed
    }
}
