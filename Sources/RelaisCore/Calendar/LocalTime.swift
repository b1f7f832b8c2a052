import Foundation

/// A moment as seen on a site's wall clock: the local date and the minute of that day.
public struct LocalTime: Hashable, Sendable {
    public var date: CivilDate
    /// Minutes since local midnight, 0...1439.
    public var minuteOfDay: Int

    public init(date: CivilDate, minuteOfDay: Int) {
        self.date = date
        self.minuteOfDay = minuteOfDay
    }

    /// The wall-clock reading of `instant` (seconds since the Unix epoch) in `timeZone`.
    public init(instant: Int64, in timeZone: TimeZone) {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        let local = instant + offset
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        self.date = CivilDate(dayNumber: Int(days))
        self.minuteOfDay = Int((local - days * 86_400) / 60)
    }
}

extension CivilDate {
    /// The instant (seconds since the Unix epoch) of local midnight starting this date in
    /// `timeZone`: days are 23 or 25 hours long across a time change.
    public func midnight(in timeZone: TimeZone) -> Int64 {
        let utcMidnight = Int64(dayNumber) * 86_400
        // The offset at the local midnight, found from the offset near it: exact unless a
        // time change happens at midnight itself.
        var offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcMidnight))))
        offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcMidnight - offset))))
        return utcMidnight - offset
    }
}

/// A time of day written `HH:MM` in carrier files (a cutoff).
public struct TimeOfDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Minutes since midnight, 0...1439.
    public var minuteOfDay: Int

    public init(minuteOfDay: Int) { self.minuteOfDay = minuteOfDay }

    /// Parses `HH:MM` (24-hour clock); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0...23).contains(hours), (0...59).contains(minutes)
        else { return nil }
        self.minuteOfDay = hours * 60 + minutes
    }

    public var description: String {
        let h = minuteOfDay / 60, m = minuteOfDay % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }
}
