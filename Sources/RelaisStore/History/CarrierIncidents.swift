import RelaisCore

/// Booking attempts and breaker openings of one carrier over a period.
public struct CarrierIncidents: Hashable, Sendable {
    public var attempts = 0
    /// Failed attempts by class (`transient`, `permanent`, `unknown-outcome`).
    public var failures: [FailureClass: Int] = [:]
    public var breakerOpenings = 0

    public init() {}
}
