/// A calendar date with no time and no time zone: a day as people say it ("2026-11-24").
///
/// Stored as a day number (days since 1970-01-01, proleptic Gregorian) so that the decision's
/// date arithmetic is integer arithmetic. The conversions are Howard Hinnant's
/// `days_from_civil` / `civil_from_days` (http://howardhinnant.github.io/date_algorithms.html).
public struct CivilDate: Hashable, Comparable, Sendable {
    /// Days since 1970-01-01.
    public var dayNumber: Int

    @inlinable
    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// - Precondition: `month` in 1...12 and `day` in 1...31 (not checked against the month;
    ///   use ``init(validating:month:day:)`` for user input).
    public init(year: Int, month: Int, day: Int) {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.dayNumber = era * 146_097 + doe - 719_468
    }

    /// A date from user input, or nil when the day does not exist (2026-02-30).
    public init?(validating year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year) else {
            return nil
        }
        self.init(year: year, month: month, day: day)
    }

    /// Year, month (1-12) and day (1-31).
    public var components: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day of the week; 1970-01-01 was a Thursday.
    public var weekday: Weekday {
        let index = (dayNumber + 3) % 7  // 0 = Monday
        return Weekday(rawValue: index >= 0 ? index : index + 7)!
    }

    @inlinable
    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    @inlinable
    public func days(until other: CivilDate) -> Int { other.dayNumber - dayNumber }

    @inlinable
    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension CivilDate: CustomStringConvertible, LosslessStringConvertible {
    /// ISO 8601 calendar date, `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        guard (0...9999).contains(y) else { return "\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))" }
        // Written digit by digit: every decision records three dates per candidate, and
        // interpolating padded strings showed in booking's profile.
        return String(unsafeUninitializedCapacity: 10) { buffer in
            func put(_ value: Int, _ width: Int, at start: Int) {
                var rest = value
                for index in stride(from: start + width - 1, through: start, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(y, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(m, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(d, 2, at: 8)
            return 10
        }
    }

    /// Parses `YYYY-MM-DD` exactly; nil for anything else, including impossible days.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let y = Self.number(bytes[0..<4]), let m = Self.number(bytes[5..<7]),
            let d = Self.number(bytes[8..<10])
        else { return nil }
        self.init(validating: y, month: m, day: d)
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension CivilDate: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a date as YYYY-MM-DD, found \"\(text)\"")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
