import Foundation

/// Instants as replies and outbox events write them.
public enum ISOTimestamp {
    /// ISO 8601, UTC, to the millisecond: `2026-11-23T10:15:02.123Z`.
    ///
    /// Written from the count of milliseconds directly (the proleptic Gregorian calendar's
    /// days from 1970, as `Date.ISO8601FormatStyle` counts them): every shipment in a list
    /// and every outbox event carries several of these, and Foundation's format style,
    /// through a `Date` and its calendar, cost 3 % of listing 20 shipments. Years outside
    /// 0000–9999 go through Foundation.
    public static func string(_ milliseconds: Int64) -> String {
        let (seconds, millisecond) = floorDivision(milliseconds, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civil(days)
        guard (0...9999).contains(year) else {
            return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                .formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        var text = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int64, digits: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, digits: 4, at: 0)
        text[4] = UInt8(ascii: "-")
        put(month, digits: 2, at: 5)
        text[7] = UInt8(ascii: "-")
        put(day, digits: 2, at: 8)
        text[10] = UInt8(ascii: "T")
        put(secondOfDay / 3600, digits: 2, at: 11)
        text[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, digits: 2, at: 14)
        text[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, digits: 2, at: 17)
        text[19] = UInt8(ascii: ".")
        put(millisecond, digits: 3, at: 20)
        text[23] = UInt8(ascii: "Z")
        return String(decoding: text, as: UTF8.self)
    }

    /// Quotient rounded down, and the remainder that goes with it (never negative).
    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// Year, month and day of the day `days` after 1970-01-01 (H. Hinnant's
    /// `civil_from_days`, in 400-year eras).
    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
