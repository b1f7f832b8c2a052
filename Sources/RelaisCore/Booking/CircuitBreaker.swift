/// A carrier's circuit breaker as a value: events in, decisions out, no clock of its own.
///
/// - `closed`: calls flow; `failureThreshold` transient failures in a row open it.
/// - `open`: calls are refused until `openDuration` has passed, then it half-opens.
/// - `halfOpen`: exactly one call (the probe) goes through; its success closes the
///   breaker, its failure opens it again.
///
/// A permanent failure (the carrier answered and refused one shipment) is a sign of health
/// for the breaker; an unknown outcome (a timeout) is not.
public struct CircuitBreaker: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case closed(consecutiveFailures: Int)
        case open(until: Instant)
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
        case refused(until: Instant?)
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
    public let openDuration: Duration
    /// Times it opened, for `relaisctl report carriers`.
    public private(set) var openings = 0

    public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(30)) {
        precondition(failureThreshold >= 1 && openDuration > .zero)
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// Asks to start a call; a `probe` answer marks the probe as in flight.
    public mutating func permit(now: Instant) -> Permission {
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
    public func wouldPermit(now: Instant) -> Bool {
        switch state {
        case .closed: true
        case .open(let until): now >= until
        case .halfOpen(let probeInFlight): !probeInFlight
        }
    }

    /// Records the outcome of a call that `permit` allowed.
    public mutating func record(_ outcome: Outcome, now: Instant) {
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

    /// The same breaker, state and openings kept, with new settings (a reload).
    public func reconfigured(failureThreshold: Int, openDuration: Duration) -> CircuitBreaker {
        var copy = CircuitBreaker(failureThreshold: failureThreshold, openDuration: openDuration)
        copy.state = state
        copy.openings = openings
        return copy
    }

    /// A call allowed as a probe was not made after all (the shipment went elsewhere).
    public mutating func probeAbandoned() {
        if case .halfOpen(true) = state { state = .halfOpen(probeInFlight: false) }
    }

    private mutating func open(now: Instant) {
        state = .open(until: now + openDuration)
        openings += 1
    }
}
