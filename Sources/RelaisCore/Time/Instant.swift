/// A point in time, to the millisecond, in UTC: what every stage of Relais reads from its
/// clock and what the records keep (`INTEGER` milliseconds since the Unix epoch).
///
/// Durations are Swift's `Duration`; an instant plus a duration is an instant, the
/// difference of two instants a duration. Pure: nothing here reads the system clock (that is
/// ``WallClock``'s job, injected where time is needed, so tests script it).
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public init(secondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = secondsSinceEpoch * 1000
    }

    /// Whole seconds since the epoch, rounded down (what `Timestamp` and the calendar take).
    public var secondsSinceEpoch: Int64 {
        millisecondsSinceEpoch >= 0 ? millisecondsSinceEpoch / 1000 : (millisecondsSinceEpoch - 999) / 1000
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(millisecondsSinceEpoch: lhs.millisecondsSinceEpoch + rhs.wholeMilliseconds)
    }

    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(millisecondsSinceEpoch: lhs.millisecondsSinceEpoch - rhs.wholeMilliseconds)
    }

    public static func += (lhs: inout Instant, rhs: Duration) { lhs = lhs + rhs }

    /// The time from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .milliseconds(lhs.millisecondsSinceEpoch - rhs.millisecondsSinceEpoch)
    }

    /// The epoch: a time before anything Relais records, for "due at once".
    public static let epoch = Instant(millisecondsSinceEpoch: 0)

    public var description: String { "\(millisecondsSinceEpoch) ms" }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero (sub-millisecond parts are
    /// below anything Relais schedules).
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// A duration of `seconds`, to the millisecond: configuration gives seconds as decimals
    /// (`breaker_open_s = 0.3`).
    public static func seconds(decimal seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
