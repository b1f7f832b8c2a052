#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where Relais reads the time of day. One is made by the executable and handed to every
/// stage, so a test can hand a scripted one instead and nothing sleeps or races the clock.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Instant
}

/// The system's real-time clock (`CLOCK_REALTIME`).
///
/// - Important: Wall time can step (NTP, an operator). Relais only compares instants it
///   recorded itself for scheduling (backoff, leases, breakers), where a step makes a wait
///   longer or shorter, never a booking repeated.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
