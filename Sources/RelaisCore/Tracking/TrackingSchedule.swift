/// When a booked shipment is polled next (SPEC §13, relais.toml `[tracking]`).
///
/// Pure: the shipment's status and times in, the next poll out. Every `every`; every
/// `nearDeliveryEvery` once out for delivery or available for pickup; never before the
/// pickup date; no more after a terminal status or once `maxAge` has passed since booking.
public struct TrackingSchedule: Hashable, Sendable {
    public var every: Duration
    public var nearDeliveryEvery: Duration
    public var maxAge: Duration

    public init(every: Duration = .seconds(2 * 3600), nearDeliveryEvery: Duration = .seconds(20 * 60), maxAge: Duration = .seconds(60 * 86_400)) {
        self.every = every
        self.nearDeliveryEvery = nearDeliveryEvery
        self.maxAge = maxAge
    }

    /// The next poll after one made (or skipped) at `now`; nil when tracking is over.
    /// - Parameters:
    ///   - pickup: the start of the pickup date, before which no poll is made.
    ///   - bookedAt: when the shipment was booked, from which `maxAge` counts.
    public func next(after now: Instant, status: TrackingStatus?, pickup: Instant, bookedAt: Instant) -> Instant? {
        if status?.isTerminal == true { return nil }
        let interval = status?.isNearDelivery == true ? nearDeliveryEvery : every
        let next = max(now + interval, pickup)
        return next > bookedAt + maxAge ? nil : next
    }

    /// Whether a shipment due at `now` may be polled now: its pickup date has come and it
    /// is not older than `maxAge`.
    public func mayPoll(now: Instant, pickup: Instant, bookedAt: Instant) -> Bool {
        now >= pickup && now <= bookedAt + maxAge
    }
}
