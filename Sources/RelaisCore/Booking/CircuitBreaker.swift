/// A carrier's circuit breaker as a value: events in, decisions out, no clock of its own.
///
/// - `closed`: calls flow; `failureThreshold` transient failures in a row open it.
/// - `open`: calls are refused until `openMilliseconds` have passed, then it half-opens.
/// - `halfOpen`: exactly one call (the probe) goes through; its success closes the
///   breaker, its failure opens it again.
///
/// A permanent failure (the carrier answered and refused one shipment) is a sign of health
/// for the breaker; an unknown outcome (a timeout) is not.
public struct CircuitBreaker: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case closed(consecutiveFailures: Int)
        case open(until: Int64)
        case halfOpen(probeInFlight: Bool)

        /// As `GET /v1/status` names it.
        public var name: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half-open"
            }
        }
    }

    /// Whether a call may start now.
    public enum Permission: Hashable, Sendable {
        case allowed
        /// The one call of a half-open breaker: its outcome decides.
        case probe
        /// Refused; the breaker half-opens at `until` (or when the probe returns).
        case refused(until: Int64?)
    }

    /// What a finished call tells the breaker.
    public enum Outcome: Hashable, Sendable {
        /// The carrier answered (booked, or refused this shipment).
        case healthy
        /// A transient failure or an unknown outcome.
        case unhealthy
    }

    public private(set) var state: State = .closed(consecutiveFailures: 0)
    public let failureThreshold: Int
    public let openMilliseconds: Int64
    /// Times it opened, for `relaisctl report carriers`.
    public private(set) var openings = 0

    public init(failureThreshold: Int = 5, openMilliseconds: Int64 = 30_000) {
        precondition(failureThreshold >= 1 && openMilliseconds > 0)
        self.failureThreshold = failureThreshold
        self.openMilliseconds = openMilliseconds
    }

    /// Asks to start a call; a `probe` answer marks the probe as in flight.
    public mutating func permit(now: Int64) -> Permission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until):
            guard now >= until else { return .refused(until: until) }
            state = .halfOpen(probeInFlight: true)
            return .probe
        case .halfOpen(let probeInFlight):
            guard !probeInFlight else { return .refused(until: nil) }
            state = .halfOpen(probeInFlight: true)
            return .probe
        }
    }

    /// Whether `permit` would allow a call now, without asking.
    public func wouldPermit(now: Int64) -> Bool {
        switch state {
        case .closed: true
        case .open(let until): now >= until
        case .halfOpen(let probeInFlight): !probeInFlight
        }
    }

    /// Records the outcome of a call that `permit` allowed.
    public mutating func record(_ outcome: Outcome, now: Int64) {
        switch (state, outcome) {
        case (.closed, .healthy):
            state = .closed(consecutiveFailures: 0)
        case (.closed(let failures), .unhealthy):
            if failures + 1 >= failureThreshold { open(now: now) } else { state = .closed(consecutiveFailures: failures + 1) }
        case (.halfOpen, .healthy):
            state = .closed(consecutiveFailures: 0)
        case (.halfOpen, .unhealthy):
            open(now: now)
        case (.open, _):
            // A call started before the breaker opened: its news changes nothing.
            break
        }
    }

    /// A call allowed as a probe was not made after all (the shipment went elsewhere).
    public mutating func probeAbandoned() {
        if case .halfOpen(true) = state { state = .halfOpen(probeInFlight: false) }
    }

    private mutating func open(now: Int64) {
        state = .open(until: now + openMilliseconds)
        openings += 1
    }
}
