/// How long a deferred shipment waits before its next attempt: doubling from `minimum`,
/// clamped to `maximum`, as Postfix's `minimal_backoff_time`/`maximal_backoff_time`.
///
/// Jitter spreads retries of shipments deferred together (a carrier outage defers hundreds
/// at once) so that they do not return as one burst: the delay is drawn in
/// `[delay/2, delay]` ("equal jitter"). Pure: the random draw is an argument.
public struct Backoff: Hashable, Sendable {
    public var minimum: Duration
    public var maximum: Duration

    public init(minimum: Duration, maximum: Duration) {
        precondition(minimum > .zero && maximum >= minimum)
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The delay before attempt `failures + 1`, after `failures` (≥ 1) transient failures.
    /// - Parameter jitter: a draw in `0...1`.
    public func delay(afterFailures failures: Int, jitter: Double) -> Duration {
        let minimumMilliseconds = minimum.wholeMilliseconds
        let maximumMilliseconds = maximum.wholeMilliseconds
        let doublings = max(0, min(failures - 1, 40))
        let (scaled, overflow) = minimumMilliseconds.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        let ceiling = overflow ? maximumMilliseconds : min(scaled, maximumMilliseconds)
        let fraction = 0.5 + 0.5 * min(max(jitter, 0), 1)
        return .milliseconds(max(minimumMilliseconds / 2, Int64((Double(ceiling) * fraction).rounded())))
    }
}
