import Foundation

/// A site-local calendar day as an interval of instants: from local midnight to the next,
/// 23 or 25 hours across a time change. What allocation limits count over (SPEC §6) and
/// what reports call a day.
public struct LocalDay: Hashable, Sendable {
    public var date: CivilDate
    /// Local midnight, as epoch milliseconds.
    public var start: Int64
    /// The next local midnight, as epoch milliseconds (excluded).
    public var end: Int64

    /// The local day of `timeZone` that contains `instant`.
    public static func containing(_ instant: Instant, in timeZone: TimeZone) -> LocalDay {
        let date = LocalTime(instant: instant.secondsSinceEpoch, in: timeZone).date
        return LocalDay(date: date, start: date.midnight(in: timeZone) * 1000, end: date.adding(days: 1).midnight(in: timeZone) * 1000)
    }
}
