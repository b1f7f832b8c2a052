import RelaisCore

/// Tracking (SPEC §13): booked shipments due for a poll, the events each poll brought,
/// the normalised status with its forward-only rule, and the next poll.
///
/// A shipment enters tracking when it is booked, in the transaction that books it.
///
/// - Important: ``recordTracking(_:schedule:now:)`` writes a poll's events, the status
///   change and its `shipment.tracking` outbox event in one transaction. Events are
///   de-duplicated on (code, time) and the status follows ``TrackingProgress``, so a poll
///   repeated after a crash adds nothing: no status change is lost or announced twice.
public protocol TrackingLog: Sendable {
    /// Up to `limit` shipments at `carrier` due for a poll at `now`, the longest due first.
    func dueTracking(carrier: String, now: Instant, limit: Int) async throws -> [TrackedShipment]
    /// Records polls' results in one transaction.
    /// - Returns: the status changes made (each announced in the outbox).
    @discardableResult
    func recordTracking(_ polls: [TrackingPoll], schedule: TrackingSchedule, now: Instant) async throws -> [TrackingChange]
    /// A shipment's tracking as `GET /v1/shipments/{id}/tracking` shows it; nil when the
    /// shipment is not tracked (not booked).
    func tracking(shipment: String) async throws -> ShipmentTracking?
    /// Tracked shipments per status (`none` before the first event), and events whose
    /// code no mapping knows.
    func trackingCounts() async throws -> TrackingCounts
}

/// A shipment due for a poll, with what the schedule needs.
public struct TrackedShipment: Hashable, Sendable {
    public var shipmentID: String
    public var carrier: String
    public var service: String?
    public var site: String
    public var trackingNumber: String
    public var bookedAt: Instant
    /// The latest ready time of its orders: with the service's cutoff and pickup days, the
    /// pickup date.
    public var readyAt: Instant
    public var status: TrackingStatus?

    public init(
        shipmentID: String, carrier: String, service: String?, site: String, trackingNumber: String, bookedAt: Instant,
        readyAt: Instant, status: TrackingStatus?
    ) {
        self.shipmentID = shipmentID
        self.carrier = carrier
        self.service = service
        self.site = site
        self.trackingNumber = trackingNumber
        self.bookedAt = bookedAt
        self.readyAt = readyAt
        self.status = status
    }
}

/// What one poll of one shipment came to.
public struct TrackingPoll: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The carrier answered with these events (maybe none, maybe some known already).
        case events([TrackingEvent])
        /// The call failed; polled again at the next turn of the schedule.
        case failed(String)
        /// Not called: the pickup date has not come (polled from then on), or the shipment
        /// is older than `max_age` (no more polls).
        case skipped
    }

    public var shipmentID: String
    public var outcome: Outcome
    /// The start of the shipment's pickup date.
    public var pickup: Instant
    public var bookedAt: Instant

    public init(shipmentID: String, outcome: Outcome, pickup: Instant, bookedAt: Instant) {
        self.shipmentID = shipmentID
        self.outcome = outcome
        self.pickup = pickup
        self.bookedAt = bookedAt
    }
}

/// A status change, as announced in the outbox.
public struct TrackingChange: Hashable, Sendable {
    public var shipmentID: String
    public var from: TrackingStatus?
    public var to: TrackingStatus
    public var event: TrackingEvent

    public init(shipmentID: String, from: TrackingStatus?, to: TrackingStatus, event: TrackingEvent) {
        self.shipmentID = shipmentID
        self.from = from
        self.to = to
        self.event = event
    }
}

/// A shipment's tracking (SPEC §13, `GET /v1/shipments/{id}/tracking`).
public struct ShipmentTracking: Hashable, Sendable {
    public var status: TrackingStatus?
    public var statusAt: Instant?
    public var deliveredAt: Instant?
    public var nextPollAt: Instant?
    public var lastPolledAt: Instant?
    public var lastError: String?
    /// Every event recorded, by the carrier's time.
    public var events: [TrackingEvent]

    public init(
        status: TrackingStatus?, statusAt: Instant?, deliveredAt: Instant?, nextPollAt: Instant?, lastPolledAt: Instant?,
        lastError: String?, events: [TrackingEvent]
    ) {
        self.status = status
        self.statusAt = statusAt
        self.deliveredAt = deliveredAt
        self.nextPollAt = nextPollAt
        self.lastPolledAt = lastPolledAt
        self.lastError = lastError
        self.events = events
    }
}

/// Tracked shipments by status, for `status` and `/metrics`.
public struct TrackingCounts: Hashable, Sendable {
    /// By status name; `none` for shipments without an event yet.
    public var byStatus: [String: Int]
    /// Events recorded with a code the carrier's mapping does not know, by carrier.
    public var unmappedEvents: [String: Int]

    public init(byStatus: [String: Int] = [:], unmappedEvents: [String: Int] = [:]) {
        self.byStatus = byStatus
        self.unmappedEvents = unmappedEvents
    }
}
