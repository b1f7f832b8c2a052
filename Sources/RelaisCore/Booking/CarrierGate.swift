/// Everything that limits calls to one carrier, in one value: its circuit breaker, its rate
/// limit and its in-flight limit (SPEC §9, §13). Every caller of the carrier — booking,
/// reconciliation lookups, and later tracking, cancels and manifests — asks the same gate,
/// so together they never exceed the carrier's limits and all of them see an open breaker.
///
/// Booking goes first: a ``Priority/background`` call is admitted only while no booking
/// call is waiting for this carrier (``bookingWaiting``) and a slot is free beyond the ones
/// kept for booking (``Limits/bookingReserve``).
///
/// Pure: the caller passes the time; ``CarrierGates`` (in RelaisCarriers) shares one gate
/// per carrier between loops.
public struct CarrierGate: Hashable, Sendable {
    /// Who is calling. Booking never waits behind the others.
    public enum Priority: Int, Hashable, Sendable, CaseIterable {
        /// Booking calls, and the lookups that reconcile uncertain bookings.
        case booking
        /// Tracking polls, cancels, manifests: done when booking leaves room.
        case background
    }

    /// The carrier's limits, from its `[api]` table and `[booking]` in relais.toml.
    public struct Limits: Hashable, Sendable {
        public var maxInFlight: Int
        /// Call starts per second, on average; nil: no limit.
        public var ratePerSecond: Double?
        public var breakerThreshold: Int
        public var breakerOpen: Duration

        public init(maxInFlight: Int, ratePerSecond: Double? = nil, breakerThreshold: Int = 5, breakerOpen: Duration = .seconds(30)) {
            precondition(maxInFlight >= 1)
            self.maxInFlight = maxInFlight
            self.ratePerSecond = ratePerSecond
            self.breakerThreshold = breakerThreshold
            self.breakerOpen = breakerOpen
        }

        /// In-flight slots that background calls leave to booking: a quarter, at least one
        /// when the carrier has more than one slot.
        public var bookingReserve: Int { maxInFlight > 1 ? max(1, maxInFlight / 4) : 0 }
    }

    /// A call the gate let through; hand it back to ``finished(_:outcome:now:)``.
    public struct Pass: Hashable, Sendable {
        public var priority: Priority
        /// The one call of a half-open breaker: its outcome closes or reopens it.
        public var probe: Bool
    }

    /// Why a call may not start now.
    public enum Refusal: Hashable, Sendable {
        /// The breaker is open (until then; nil: a probe is under way). Nothing was sent: the
        /// caller may go elsewhere.
        case breakerOpen(until: Instant?)
        /// Every slot is taken (for background calls: every slot booking does not keep).
        case full
        /// The rate limit allows the next call at `next`.
        case rateLimited(next: Instant)
        /// A booking call is waiting for this carrier.
        case bookingFirst
    }

    public enum Admission: Hashable, Sendable {
        case admitted(Pass)
        case refused(Refusal)
    }

    /// What a finished call tells the gate.
    public enum Outcome: Hashable, Sendable {
        /// The carrier answered: booked, or refused this one request.
        case answered
        /// A transient failure or an unknown outcome.
        case failed
        /// Refused before anything was sent (a template error, a bad site): says nothing
        /// about the carrier's health.
        case notSent
    }

    public private(set) var limits: Limits
    public private(set) var breaker: CircuitBreaker
    private var limiter: RateLimiter?
    /// Calls under way, per priority.
    public private(set) var inFlight: [Priority: Int] = [:]
    /// Booking calls waiting for a slot, as the booking loop last said.
    public var bookingWaiting = 0

    public init(limits: Limits) {
        self.limits = limits
        self.breaker = CircuitBreaker(failureThreshold: limits.breakerThreshold, openDuration: limits.breakerOpen)
        self.limiter = limits.ratePerSecond.map { RateLimiter(ratePerSecond: $0) }
    }

    /// Calls under way, all priorities.
    public var callsInFlight: Int { inFlight.values.reduce(0, +) }

    /// Whether a booking call could start now as far as the breaker goes (the failover test:
    /// is this carrier worth moving a shipment to).
    public func breakerPermits(now: Instant) -> Bool { breaker.wouldPermit(now: now) }

    /// Asks to start one call. An admitted call holds a slot (and a rate token, and the
    /// breaker's probe when half-open) until ``finished(_:outcome:now:)``.
    public mutating func admit(_ priority: Priority, now: Instant) -> Admission {
        switch priority {
        case .booking:
            guard callsInFlight < limits.maxInFlight else { return .refused(.full) }
        case .background:
            guard bookingWaiting == 0 else { return .refused(.bookingFirst) }
            guard callsInFlight < limits.maxInFlight - limits.bookingReserve else { return .refused(.full) }
        }
        // The breaker first: a refused call must not spend a rate token.
        if !breaker.wouldPermit(now: now) {
            if case .open(let until) = breaker.state { return .refused(.breakerOpen(until: until)) }
            return .refused(.breakerOpen(until: nil))
        }
        if limiter != nil, !limiter!.take(now: now) {
            return .refused(.rateLimited(next: limiter!.nextToken(now: now)))
        }
        let probe: Bool
        switch breaker.permit(now: now) {
        case .allowed: probe = false
        case .probe: probe = true
        case .refused(let until): return .refused(.breakerOpen(until: until))
        }
        inFlight[priority, default: 0] += 1
        return .admitted(Pass(priority: priority, probe: probe))
    }

    /// Gives back the slot of a call that `admit` let through.
    /// - Returns: whether this outcome opened the breaker (for the event log).
    @discardableResult
    public mutating func finished(_ pass: Pass, outcome: Outcome, now: Instant) -> Bool {
        inFlight[pass.priority] = max(0, (inFlight[pass.priority] ?? 0) - 1)
        let openedBefore = breaker.openings
        switch outcome {
        case .answered: breaker.record(.healthy, now: now)
        case .failed: breaker.record(.unhealthy, now: now)
        case .notSent: if pass.probe { breaker.probeAbandoned() }
        }
        return breaker.openings > openedBefore
    }

    /// A reload's new limits. The breaker keeps its state (a reload must not close an open
    /// breaker) unless its own settings changed; calls under way keep their slots; the rate
    /// limiter is kept when its rate is unchanged.
    public mutating func reconfigure(_ new: Limits) {
        guard new != limits else { return }
        if new.breakerThreshold != limits.breakerThreshold || new.breakerOpen != limits.breakerOpen {
            breaker = breaker.reconfigured(failureThreshold: new.breakerThreshold, openDuration: new.breakerOpen)
        }
        if new.ratePerSecond != limits.ratePerSecond {
            limiter = new.ratePerSecond.map { RateLimiter(ratePerSecond: $0) }
        }
        limits = new
    }
}
