/// RFC 3339 timestamps with a UTC offset, as orders carry them (`2026-11-23T10:15:00+01:00`).
public enum Timestamp {
    /// Seconds since the Unix epoch, or nil when `text` is not `YYYY-MM-DDTHH:MM[:SS[.fff]]`
    /// followed by `Z` or `±HH:MM`. A time without an offset is refused: it would be read
    /// in a guessed zone.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 17, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            let date = CivilDate(String(decoding: b[0..<10], as: UTF8.self)),
            b[13] == UInt8(ascii: ":"),
            let hour = CivilDate.number(b[11..<13]), let minute = CivilDate.number(b[14..<16]),
            hour < 24, minute < 60
        else { return nil }
        var index = 16
        var second = 0
        if index < b.count, b[index] == UInt8(ascii: ":") {
            guard index + 3 <= b.count, let value = CivilDate.number(b[(index + 1)..<(index + 3)]), value < 61 else {
                return nil
            }
            second = min(value, 59)  // a leap second reads as :59
            index += 3
            if index < b.count, b[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") { index += 1 }
                guard index > start else { return nil }
            }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == b.count, b[index + 3] == UInt8(ascii: ":"),
                let hours = CivilDate.number(b[(index + 1)..<(index + 3)]),
                let minutes = CivilDate.number(b[(index + 4)..<(index + 6)]), hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (b[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let local = Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return local - Int64(offset)
    }
}
