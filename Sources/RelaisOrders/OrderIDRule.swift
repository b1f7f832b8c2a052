/// Which order ids intake accepts (issue 20): ids travel in URL paths
/// (`GET /v1/orders/{id}`), command lines, log lines and carrier requests, so they are
/// limited to characters that need no escaping in any of them.
///
/// The rule: 1 to 100 characters, ASCII letters, digits and `-` `_` `.` `:`, starting with a
/// letter or a digit (so that no id is `.`, `..` or looks like a command-line option).
public enum OrderIDRule {
    public static let maxLength = 100
    /// The rule in words, for the README and error messages.
    public static let summary = "1 to 100 ASCII letters, digits, '-', '_', '.' or ':', starting with a letter or digit"

    /// Why `id` is refused, or nil when it is acceptable.
    public static func problem(with id: String) -> String? {
        let bytes = Array(id.utf8)
        guard !bytes.isEmpty else { return "must not be empty" }
        guard bytes.count <= maxLength else { return "is \(bytes.count) characters long; ids are \(summary)" }
        if let bad = id.unicodeScalars.first(where: { !$0.isASCII || !isAllowed(UInt8($0.value)) }) {
            let shown = bad == " " ? "a space" : bad.isASCII && bad.value >= 0x21 && bad.value < 0x7F ? "'\(bad)'" : "U+\(String(bad.value, radix: 16, uppercase: true))"
            return "contains \(shown); ids are \(summary)"
        }
        guard isLetterOrDigit(bytes[0]) else { return "must start with a letter or digit; ids are \(summary)" }
        return nil
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":")
    }
}
