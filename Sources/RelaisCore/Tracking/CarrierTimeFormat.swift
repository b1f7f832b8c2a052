import Foundation

/// How a carrier writes its event times (SPEC §13: ISO 8601, or a `time_format` over the
/// carrier's date and time fields), and how to turn them into an ``Instant``.
///
/// Pure and allocation-light: tracking reads every event of every reply with it.
public enum CarrierTimeFormat: Hashable, Sendable {
    /// ISO 8601 / xs:dateTime: `2026-11-23T10:15:02`, with optional fraction and offset
    /// (`Z`, `+01:00`, `+0100`). Without an offset the time is the carrier's local time.
    case iso8601
    /// A pattern of `yyyy`, `yy`, `MM`, `dd`, `HH`, `mm`, `ss` and literal characters
    /// (`dd/MM/yyyy HH:mm`), in the carrier's local time.
    case pattern(String)

    /// The tokens a pattern may use.
    static let tokens = ["yyyy", "yy", "MM", "dd", "HH", "mm", "ss"]

    /// Checks a `time_format` pattern; nil when it is usable, else what is wrong.
    public static func problem(in pattern: String) -> String? {
        let text = Array(pattern)
        var seen: Set<String> = []
        var index = 0
        while index < text.count {
            if let token = tokens.first(where: { matches($0, text, at: index) }) {
                guard seen.insert(token == "yy" ? "yyyy" : token).inserted else { return "'\(token)' appears twice" }
                index += token.count
            } else {
                if text[index].isLetter { return "'\(text[index])' is neither a token (yyyy yy MM dd HH mm ss) nor a separator" }
                index += 1
            }
        }
        for needed in ["yyyy", "MM", "dd"] where !seen.contains(needed) { return "a date needs yyyy (or yy), MM and dd" }
        return nil
    }

    static func matches(_ token: String, _ text: [Character], at index: Int) -> Bool {
        guard index + token.count <= text.count else { return false }
        return String(text[index..<index + token.count]) == token
    }

    /// The instant `text` names, reading times without an offset in `zone`; nil when the
    /// text does not have the format's shape or names no real time.
    public func instant(_ text: String, zone: TimeZone) -> Instant? {
        switch self {
        case .iso8601: Self.iso(Array(text.utf8), zone: zone)
        case .pattern(let pattern): Self.pattern(Array(pattern), Array(text), zone: zone)
        }
    }

    private struct Fields {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0
        /// Seconds east of UTC, when the text carries it.
        var offset: Int?
    }

    private static func iso(_ bytes: [UInt8], zone: TimeZone) -> Instant? {
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += digits
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }
        var fields = Fields()
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2) else { return nil }
        (fields.year, fields.month, fields.day) = (year, month, day)
        guard index < bytes.count, bytes[index] == 0x54 || bytes[index] == 0x20 else {
            return index == bytes.count ? civil(fields, zone: zone) : nil
        }
        index += 1
        guard let hour = number(2), expect(0x3A), let minute = number(2) else { return nil }
        (fields.hour, fields.minute) = (hour, minute)
        if expect(0x3A) {
            guard let second = number(2) else { return nil }
            fields.second = second
            if expect(0x2E) || expect(0x2C) {
                var digits = 0
                var fraction = 0
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                    if digits < 3 { fraction = fraction * 10 + Int(bytes[index] - 0x30) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 3) { fraction *= 10 }
                fields.millisecond = fraction
            }
        }
        if index < bytes.count {
            if expect(0x5A) {
                fields.offset = 0
            } else {
                guard bytes[index] == 0x2B || bytes[index] == 0x2D else { return nil }
                let sign = bytes[index] == 0x2D ? -1 : 1
                index += 1
                guard let hours = number(2) else { return nil }
                _ = expect(0x3A)
                guard let minutes = number(2) else { return nil }
                fields.offset = sign * (hours * 3600 + minutes * 60)
            }
            guard index == bytes.count else { return nil }
        }
        return civil(fields, zone: zone)
    }

    private static func pattern(_ pattern: [Character], _ text: [Character], zone: TimeZone) -> Instant? {
        var fields = Fields()
        var p = 0, t = 0
        func digits(_ count: Int) -> Int? {
            guard t + count <= text.count else { return nil }
            var value = 0
            for character in text[t..<t + count] {
                guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
                value = value * 10 + digit
            }
            t += count
            return value
        }
        while p < pattern.count {
            if let token = tokens.first(where: { matches($0, pattern, at: p) }) {
                p += token.count
                switch token {
                case "yyyy": guard let value = digits(4) else { return nil }; fields.year = value
                case "yy": guard let value = digits(2) else { return nil }; fields.year = 2000 + value
                case "MM": guard let value = digits(2) else { return nil }; fields.month = value
                case "dd": guard let value = digits(2) else { return nil }; fields.day = value
                case "HH": guard let value = digits(2) else { return nil }; fields.hour = value
                case "mm": guard let value = digits(2) else { return nil }; fields.minute = value
                default: guard let value = digits(2) else { return nil }; fields.second = value
                }
            } else {
                guard t < text.count, text[t] == pattern[p] else { return nil }
                p += 1
                t += 1
            }
        }
        guard t == text.count else { return nil }
        return civil(fields, zone: zone)
    }

    private static func civil(_ fields: Fields, zone: TimeZone) -> Instant? {
        guard (1...12).contains(fields.month), (1...31).contains(fields.day), (0...23).contains(fields.hour),
            (0...59).contains(fields.minute), (0...60).contains(fields.second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = fields.offset.flatMap { TimeZone(secondsFromGMT: $0) } ?? zone
        let components = DateComponents(
            year: fields.year, month: fields.month, day: fields.day, hour: fields.hour, minute: fields.minute,
            second: min(fields.second, 59))
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == fields.day  // 31/02 is not a day
        else { return nil }
        let seconds = Int64(date.timeIntervalSince1970.rounded())
        return Instant(millisecondsSinceEpoch: seconds * 1000 + Int64(fields.millisecond))
    }
}

extension CarrierTimeFormat {
    /// `instant` written as the carrier writes it, in `zone`: ISO 8601 with the zone's
    /// offset (`2026-11-23T10:15:02+01:00`), or the pattern's fields. The sandbox plays
    /// carriers' replies with it; tracking reads them back with ``instant(_:zone:)``.
    public func text(_ instant: Instant, zone: TimeZone) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int = 2) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        switch self {
        case .iso8601:
            let offset = zone.secondsFromGMT(for: date)
            let sign = offset < 0 ? "-" : "+"
            let minutes = abs(offset) / 60
            return "\(pad(parts.year, 4))-\(pad(parts.month))-\(pad(parts.day))T\(pad(parts.hour)):\(pad(parts.minute)):"
                + "\(pad(parts.second))\(sign)\(pad(minutes / 60)):\(pad(minutes % 60))"
        case .pattern(let pattern):
            var text = ""
            let characters = Array(pattern)
            var index = 0
            while index < characters.count {
                if let token = Self.tokens.first(where: { Self.matches($0, characters, at: index) }) {
                    switch token {
                    case "yyyy": text += pad(parts.year, 4)
                    case "yy": text += pad((parts.year ?? 0) % 100)
                    case "MM": text += pad(parts.month)
                    case "dd": text += pad(parts.day)
                    case "HH": text += pad(parts.hour)
                    case "mm": text += pad(parts.minute)
                    default: text += pad(parts.second)
                    }
                    index += token.count
                } else {
                    text.append(characters[index])
                    index += 1
                }
            }
            return text
        }
    }
}
