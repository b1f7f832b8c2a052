/// What the booking stage has done since it started, for progress lines and metrics.
public struct BookingStatistics: Hashable, Sendable {
    public var booked = 0
    public var deferred = 0
    public var failedOver = 0
    public var uncertain = 0
    public var failed = 0
    public var reconciled = 0
    /// Milliseconds from a shipment's claim to its booked commit, summed (for the mean).
    public var bookedLatencyTotal: Int64 = 0

    public init() {}
}
