import RelaisCore
import Synchronization

/// One ``CarrierGate`` per carrier, shared by every loop that calls carriers (booking and
/// its lookups now; tracking, cancels and manifests as they come). The daemon makes one and
/// hands it to each of them: a carrier's `max_in_flight`, rate limit and breaker hold for
/// all callers together, and booking goes first.
///
/// A lock around small values, never held across a call: each method is a few comparisons.
public final class CarrierGates: Sendable {
    private let gates: Mutex<[String: CarrierGate]>

    public init(_ limits: [String: CarrierGate.Limits] = [:]) {
        gates = Mutex(limits.mapValues(CarrierGate.init(limits:)))
    }

    /// Puts a reloaded panel's limits in force: carriers still present keep their breaker
    /// (a reload must not close an open breaker), new ones start closed, removed ones go.
    public func configure(_ limits: [String: CarrierGate.Limits]) {
        gates.withLock { gates in
            var next: [String: CarrierGate] = [:]
            for (carrier, limit) in limits {
                if var gate = gates[carrier] {
                    gate.reconfigure(limit)
                    next[carrier] = gate
                } else {
                    next[carrier] = CarrierGate(limits: limit)
                }
            }
            gates = next
        }
    }

    /// Asks `carrier`'s gate to start a call; nil when the carrier has no gate (not in the
    /// panel, or without an API).
    public func admit(_ carrier: String, _ priority: CarrierGate.Priority, now: Instant) -> CarrierGate.Admission? {
        gates.withLock { gates in gates[carrier]?.admit(priority, now: now) }
    }

    /// Gives back an admitted call's slot. A carrier removed by a reload meanwhile is ignored.
    /// - Returns: whether this outcome opened the carrier's breaker.
    @discardableResult
    public func finished(_ carrier: String, _ pass: CarrierGate.Pass, outcome: CarrierGate.Outcome, now: Instant) -> Bool {
        gates.withLock { gates in gates[carrier]?.finished(pass, outcome: outcome, now: now) ?? false }
    }

    /// Booking calls waiting per carrier (carriers not named: none), so that background
    /// calls give way.
    public func setBookingWaiting(_ waiting: [String: Int]) {
        gates.withLock { gates in
            for carrier in gates.keys { gates[carrier]!.bookingWaiting = waiting[carrier] ?? 0 }
        }
    }

    /// Whether `carrier`'s breaker would let a call through now (true for a carrier without
    /// a gate: nothing is known against it).
    public func breakerPermits(_ carrier: String, now: Instant) -> Bool {
        gates.withLock { gates in gates[carrier]?.breakerPermits(now: now) ?? true }
    }

    /// Every gate as it is now, for status and metrics.
    public var snapshot: [String: CarrierGate] { gates.withLock { $0 } }

    /// Each carrier's breaker, as `GET /v1/status` shows it.
    public func breakerStates() -> [String: CircuitBreaker.State] { snapshot.mapValues(\.breaker.state) }

    /// Times each carrier's breaker opened since the daemon started.
    public func breakerOpenings() -> [String: Int] { snapshot.mapValues(\.breaker.openings) }
}
