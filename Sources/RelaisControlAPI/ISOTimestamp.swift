import Foundation
import RelaisCore

/// Instants as replies and outbox events write them.
public enum ISOTimestamp {
    /// ISO 8601, UTC, to the millisecond: `2026-11-23T10:15:02.123Z`.
    ///
    /// Written from the count of milliseconds directly (the proleptic Gregorian calendar's
    /// days from 1970, ``CivilDate``'s, as `Date.ISO8601FormatStyle` counts them): every shipment in a list
    /// and every outbox event carries several of these, and Foundation's format style,
    /// through a `Date` and its calendar, cost 3 % of listing 20 shipments. Years outside
    /// 0000–9999 go through Foundation.
    public static func string(_ milliseconds: Int64) -> String {
        let (seconds, millisecond) = floorDivision(milliseconds, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = CivilDate(dayNumber: Int(days)).components
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
        put(Int64(year), digits: 4, at: 0)
        text[4] = UInt8(ascii: "-")
        put(Int64(month), digits: 2, at: 5)
        text[7] = UInt8(ascii: "-")
        put(Int64(day), digits: 2, at: 8)
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
}
