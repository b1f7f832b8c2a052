/// A token bucket: at most `ratePerSecond` call starts per second on average, bursts up to
/// `burst`. Pure: the caller passes the time.
public struct RateLimiter: Hashable, Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    private var tokens: Double
    private var updatedAt: Instant?

    public init(ratePerSecond: Double, burst: Double? = nil) {
        precondition(ratePerSecond > 0)
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst ?? ratePerSecond / 10)
        self.tokens = self.burst
    }

    /// Takes a token if one is available at `now`.
    public mutating func take(now: Instant) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// When the next token will be available.
    public mutating func nextToken(now: Instant) -> Instant {
        refill(now: now)
        guard tokens < 1 else { return now }
        return now + .milliseconds(Int64(((1 - tokens) * 1000 / ratePerSecond).rounded(.up)))
    }

    private mutating func refill(now: Instant) {
        if let updatedAt, now > updatedAt {
            let elapsed = (now - updatedAt).wholeMilliseconds
            tokens = min(burst, tokens + Double(elapsed) * ratePerSecond / 1000)
        }
        if updatedAt == nil || now > updatedAt! { updatedAt = now }
    }
}
