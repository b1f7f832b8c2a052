import RelaisCore

/// An endpoint of the outbox as relais.toml names it: the spool, or a webhook's URL.
public struct OutboxEndpointSetting: Hashable, Sendable {
    /// `spool`, or the webhook's URL.
    public var target: String
    /// The event types it wants; empty for all.
    public var events: Set<OutboxEventType>

    public init(target: String, events: Set<OutboxEventType> = []) {
        self.target = target
        self.events = events
    }

    public static let spoolTarget = "spool"
}

/// An event due at an endpoint, claimed for one delivery attempt.
public struct OutboxDelivery: Hashable, Sendable {
    public var endpointID: Int64
    /// Orders the events; internal.
    public var eventSeq: Int64
    /// The public, stable id (`evt_…`): the same on every attempt and replay.
    public var eventID: String
    public var type: String
    /// When the event was written (milliseconds since the Unix epoch).
    public var at: Int64
    public var shipmentID: String?
    public var labelPath: String?
    /// The body as written in the change's transaction.
    public var body: [UInt8]
    /// Attempts made before this one.
    public var attempts: Int

    public init(
        endpointID: Int64,
        eventSeq: Int64,
        eventID: String,
        type: String,
        at: Int64,
        shipmentID: String? = nil,
        labelPath: String? = nil,
        body: [UInt8],
        attempts: Int
    ) {
        self.endpointID = endpointID
        self.eventSeq = eventSeq
        self.eventID = eventID
        self.type = type
        self.at = at
        self.shipmentID = shipmentID
        self.labelPath = labelPath
        self.body = body
        self.attempts = attempts
    }
}

/// What one delivery attempt came to, as the store records it.
public enum OutboxDeliveryResult: Hashable, Sendable {
    case delivered
    /// Failed; tried again at `at` (milliseconds).
    case retry(at: Int64, error: String)
    /// Failed for the last time.
    case dead(error: String)
    /// `410 Gone`: the endpoint is disabled until an operator enables it; the event stays
    /// pending and goes first when it is.
    case gone(error: String)
}

/// One row of `GET /v1/outbox`.
public struct OutboxDeliveryRecord: Hashable, Sendable {
    public var eventID: String
    public var type: String
    public var at: Int64
    public var shipmentID: String?
    public var endpointID: Int64
    public var endpointTarget: String
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Int64?
    public var deliveredAt: Int64?
    public var lastError: String?

    public init(
        eventID: String,
        type: String,
        at: Int64,
        shipmentID: String? = nil,
        endpointID: Int64,
        endpointTarget: String,
        state: String,
        attempts: Int,
        nextAttemptAt: Int64? = nil,
        deliveredAt: Int64? = nil,
        lastError: String? = nil
    ) {
        self.eventID = eventID
        self.type = type
        self.at = at
        self.shipmentID = shipmentID
        self.endpointID = endpointID
        self.endpointTarget = endpointTarget
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }
}

/// An endpoint's backlog, for status, `relaisctl webhooks` and `/metrics`.
public struct OutboxEndpointBacklog: Hashable, Sendable {
    public var id: Int64
    public var target: String
    public var active: Bool
    public var disabledAt: Int64?
    public var disabledReason: String?
    public var pending: Int
    public var dead: Int
    /// When the oldest pending event was written (milliseconds), if any is pending.
    public var oldestPendingAt: Int64?

    public init(
        id: Int64,
        target: String,
        active: Bool,
        disabledAt: Int64? = nil,
        disabledReason: String? = nil,
        pending: Int,
        dead: Int,
        oldestPendingAt: Int64? = nil
    ) {
        self.id = id
        self.target = target
        self.active = active
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
        self.pending = pending
        self.dead = dead
        self.oldestPendingAt = oldestPendingAt
    }
}
