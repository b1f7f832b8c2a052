/// Text going into a request: what XML 1.0 can carry, and its escaping.
public enum XMLText {
    /// The first character of `text` that XML 1.0 cannot carry (§2.2 Char): C0 controls
    /// other than tab, line feed and carriage return, and U+FFFE, U+FFFF. Such a value is
    /// refused before sending: no escape exists for it, and a carrier would reject the
    /// whole request or, worse, cut the value.
    public static func invalidCharacter(in text: String) -> Unicode.Scalar? {
        // Every character XML refuses is a control byte below 0x20 or U+FFFE/U+FFFF, which
        // UTF-8 starts with 0xEF; surrogates cannot be in a String. Most texts hold neither.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0xEF }) else { return nil }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: continue
            default: return scalar
            }
        }
        return nil
    }

    /// `text` with the five characters that XML gives meaning escaped.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return text
        }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
