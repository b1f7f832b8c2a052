import Foundation
import RelaisCore

/// The days a report or a replay covers, in one time zone: from the start of `first` to
/// the end of `last`, both included.
///
/// Days are taken in the time zone of relais.toml's first site (one relaisd serves sites
/// of one country in practice), so "since 2026-11-02" means that site's midnight.
public struct ReportPeriod: Hashable, Sendable {
    public var first: CivilDate?
    public var last: CivilDate?
    public var timeZone: TimeZone

    public init(first: CivilDate?, last: CivilDate?, timeZone: TimeZone) {
        self.first = first
        self.last = last
        self.timeZone = timeZone
    }

    /// A calendar month, `YYYY-MM`.
    public init?(month text: String, timeZone: TimeZone) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
            (1...12).contains(month), let first = CivilDate(validating: year, month: month, day: 1)
        else { return nil }
        self.init(
            first: first, last: CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year)),
            timeZone: timeZone)
    }

    /// Calendar months, `first` to `through` (`YYYY-MM`), both included.
    public init?(months first: String, through last: String, timeZone: TimeZone) {
        guard let start = ReportPeriod(month: first, timeZone: timeZone), let end = ReportPeriod(month: last, timeZone: timeZone),
            let from = start.first, let to = end.last, from <= to
        else { return nil }
        self.init(first: from, last: to, timeZone: timeZone)
    }

    /// Start, inclusive, in ms since the Unix epoch (the beginning of time when open).
    public var startMilliseconds: Int64 { first.map { $0.midnight(in: timeZone) * 1000 } ?? Int64.min / 2 }
    /// End, exclusive, in ms since the Unix epoch (the end of time when open).
    public var endMilliseconds: Int64 { last.map { $0.adding(days: 1).midnight(in: timeZone) * 1000 } ?? Int64.max / 2 }

    /// `2026-11-01 – 2026-11-30`, `since 2026-11-01`, `until …`, or `all recorded history`.
    public var description: String {
        switch (first, last) {
        case let (first?, last?): "\(first) – \(last)"
        case let (first?, nil): "since \(first)"
        case let (nil, last?): "until \(last)"
        case (nil, nil): "all recorded history"
        }
    }
}
