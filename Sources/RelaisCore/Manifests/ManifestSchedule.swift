/// When a carrier's day closes at a site, and which pickup date a close is for (SPEC §14):
/// pure, the time and the carrier's services given.
///
/// A carrier's driver collects once a day, so a manifest is per carrier × site × pickup
/// date. Its services may have different cutoffs: the day closes at the latest cutoff of the
/// services that pick up that day (capped by the site's own cutoff), so a shipment on a
/// later service is never left out of the day it was booked for.
public struct ManifestSchedule: Hashable, Sendable {
    public var services: [CarrierService]
    /// The site's own last handover time, when it has one.
    public var siteCutoff: TimeOfDay?

    public init(services: [CarrierService], siteCutoff: TimeOfDay?) {
        self.services = services
        self.siteCutoff = siteCutoff
    }

    /// The time the day `date` closes, or nil when no service picks up that day.
    public func closeTime(on date: CivilDate) -> TimeOfDay? {
        let cutoffs = services.filter { $0.isPickupDay(date) }.map(\.cutoff)
        guard let latest = cutoffs.max() else { return nil }
        return siteCutoff.map { min($0, latest) } ?? latest
    }

    /// The pickup date a close at `now` is for: the first pickup day from today on, and
    /// after `lastClosed`, the latest date already closed (a booking after a close goes on
    /// the next pickup date's manifest).
    public func pickupDate(now: LocalTime, after lastClosed: CivilDate?) -> CivilDate {
        var day = now.date
        if let lastClosed, lastClosed >= day { day = lastClosed.adding(days: 1) }
        // A non-empty weekday set and at most a few consecutive holidays: ends within weeks.
        for _ in 0..<370 {
            if closeTime(on: day) != nil { return day }
            day = day.adding(days: 1)
        }
        return day
    }

    /// The pickup date whose automatic close is due at `now`, if any: today's, once its
    /// close time has come and it is not closed yet.
    public func dueClose(now: LocalTime, lastClosed: CivilDate?) -> CivilDate? {
        if let lastClosed, lastClosed >= now.date { return nil }
        guard let close = closeTime(on: now.date), now.minuteOfDay >= close.minuteOfDay else { return nil }
        return now.date
    }
}
