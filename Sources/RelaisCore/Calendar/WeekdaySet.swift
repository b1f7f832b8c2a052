import Foundation

/// A set of weekdays, written in carrier files as `"mon-fri"`, `"mon-sat"`, `"mon,wed,fri"`
/// or a mix (`"mon-wed,sat"`). A range may wrap (`"sat-mon"`).
public struct WeekdaySet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ day: Weekday) { self.init(rawValue: 1 << UInt8(day.rawValue)) }

    public static let all = WeekdaySet(rawValue: 0x7f)

    @inlinable
    public func contains(_ day: Weekday) -> Bool { rawValue & (1 << UInt8(day.rawValue)) != 0 }

    /// Parses the carrier-file notation; nil when a part is not a day or a range of days.
    public init?(parsing text: String) {
        var set = WeekdaySet()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            switch bounds.count {
            case 1:
                guard let day = Weekday(abbreviation: bounds[0]) else { return nil }
                set.insert(WeekdaySet(day))
            case 2:
                guard let first = Weekday(abbreviation: bounds[0]), let last = Weekday(abbreviation: bounds[1]) else {
                    return nil
                }
                var index = first.rawValue
                while true {
                    set.insert(WeekdaySet(Weekday(rawValue: index)!))
                    if index == last.rawValue { break }
                    index = (index + 1) % 7
                }
            default:
                return nil
            }
        }
        guard !set.isEmpty else { return nil }
        self = set
    }
}
