import Mustache

/// How carrier templates escape values: `& < > " '`, the same five characters and entities as
/// Mustache's default HTML escaping, byte by byte over UTF-8 and without copying a value
/// that needs none. The default escaper looks every `Character` up in a dictionary, which
/// cost more than the rest of rendering a booking request (a base64 label in a sandbox
/// reply is a thousand characters).
struct XMLContentType: MustacheContentType {
    /// The pragma that puts it in force, prepended to every carrier template at load.
    /// Templates themselves may not hold pragmas (``CarrierOperation/Template``).
    static let pragma: String = {
        MustacheContentTypes.register(XMLContentType(), named: "RELAIS_XML")
        return "{{% CONTENT_TYPE: RELAIS_XML }}"
    }()

    func escapeText(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            guard let first = bytes.firstIndex(where: Self.needsEscape) else { return nil }
            var escaped: [UInt8] = []
            escaped.reserveCapacity(bytes.count + 16)
            escaped.append(contentsOf: bytes[..<first])
            for byte in bytes[first...] {
                switch byte {
                case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): escaped.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): escaped.append(contentsOf: "&#39;".utf8)
                default: escaped.append(byte)
                }
            }
            return String(decoding: escaped, as: UTF8.self)
        } ?? text
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "'")
    }
}
