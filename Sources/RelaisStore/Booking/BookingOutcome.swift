import RelaisCore

/// What a booking attempt came to; applied in groups by ``RecordStore/commit(_:now:)``.
public struct BookingOutcome: Sendable {
    public enum Result: Sendable {
        case booked(trackingNumber: String, carrierPrice: Money?, labelPath: String?)
        case deferred(until: Instant)
        /// Back to the queue on another service: the first is known not to have booked.
        case failover(to: BookingCandidate)
        case uncertain
        case failed
        /// Not attempted (the breaker refused): back to `deferred` without an attempt row.
        case postponed(until: Instant)

        /// The attempt's outcome, as recorded and counted.
        public var attemptOutcome: AttemptOutcome {
            switch self {
            case .booked: .booked
            case .deferred: .deferred
            case .failover: .failover
            case .uncertain: .uncertain
            case .failed: .failed
            case .postponed: .postponed
            }
        }

        /// The lifecycle event the outcome applies to its shipment.
        public var event: ShipmentEvent {
            switch self {
            case .booked: .booked
            case .deferred, .postponed: .transientFailure
            case .failover: .failover
            case .uncertain: .outcomeUnknown
            case .failed: .permanentFailure
            }
        }

        /// When the shipment is due again (milliseconds): a deferral's or postponement's
        /// time, an uncertain outcome's lookup `now`; nil otherwise.
        public func nextAttemptAt(now: Int64) -> Int64? {
            switch self {
            case .deferred(let until), .postponed(let until): until.millisecondsSinceEpoch
            case .uncertain: now
            default: nil
            }
        }

        /// A call the breaker refused: it made no attempt.
        public var isPostponed: Bool {
            if case .postponed = self { true } else { false }
        }

        /// A booking's tracking number, recorded with its attempt.
        public var trackingNumber: String? {
            if case .booked(let number, _, _) = self { number } else { nil }
        }
    }

    public var shipment: String
    public var carrier: String
    public var service: String
    public var result: Result
    public var failureClass: FailureClass?
    public var httpStatus: Int?
    public var startedAt: Instant
    public var finishedAt: Instant
    /// For operators: the carrier's code and message, or what went wrong.
    public var detail: String

    public init(
        shipment: String, carrier: String, service: String, result: Result, failureClass: FailureClass? = nil,
        httpStatus: Int? = nil, startedAt: Instant, finishedAt: Instant, detail: String = ""
    ) {
        self.shipment = shipment
        self.carrier = carrier
        self.service = service
        self.result = result
        self.failureClass = failureClass
        self.httpStatus = httpStatus
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.detail = detail
    }
}

/// A carrier's circuit breaker opened: the event log keeps it for `relaisctl report carriers`.
public struct BreakerOpening: Hashable, Sendable {
    public var carrier: String
    public var at: Instant
    public var detail: String

    public init(carrier: String, at: Instant, detail: String) {
        self.carrier = carrier
        self.at = at
        self.detail = detail
    }
}
