import Foundation

/// The bytes of an outbox event (SPEC §12): `{"id","type","timestamp","data"}`, the same
/// in a spool file and a webhook.
public enum OutboxBody {
    /// `evt_` and 26 characters: the write time in milliseconds (10 characters of Crockford
    /// base32, so ids sort by time) and 80 random bits (16 characters), as a ULID.
    /// Unique without asking the database, unlike a counter.
    public static func newEventID(now: Int64) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        var characters: [UInt8] = Array("evt_".utf8)
        characters.reserveCapacity(30)
        let time = UInt64(max(0, now))
        for shift in stride(from: 45, through: 0, by: -5) { characters.append(alphabet[Int((time >> UInt64(shift)) & 31)]) }
        // Two draws, not one per character: each draw is a system call (getrandom).
        var generator = SystemRandomNumberGenerator()
        let first: UInt64 = generator.next()
        let second: UInt64 = generator.next()
        for index in 0..<12 { characters.append(alphabet[Int((first >> UInt64(5 * index)) & 31)]) }
        for index in 0..<4 { characters.append(alphabet[Int((second >> UInt64(5 * index)) & 31)]) }
        return String(decoding: characters, as: UTF8.self)
    }

    /// The event's bytes; `data` is last, so that a label can be added before the final
    /// braces for endpoints that want it (``withLabel(_:format:base64:)``).
    public static func encode(id: String, type: String, at: Int64, data: some Encodable) throws -> [UInt8] {
        // The stores pass their events' data as `some Encodable`: shipments write themselves.
        if let writable = data as? any JSONWritable { return try encode(id: id, type: type, at: at, data: writable) }
        let encoder = JSONEncoder()
        // Keys in byte order: the same shape every time (Foundation's encoder on Linux
        // otherwise writes a keyed container in hash order, which varies from run to run).
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var body = Array(#"{"id":"\#(id)","type":"\#(type)","timestamp":"\#(timestamp(at))","data":"#.utf8)
        body += try encoder.encode(data)
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// The same bytes for a shipment's event, written by ``JSONText`` rather than
    /// `JSONEncoder`: the writer commits events, one a booking, and the encoder cost more
    /// than the rest of recording the event.
    public static func encode(id: String, type: String, at: Int64, data: some JSONWritable) throws -> [UInt8] {
        var json = JSONText(capacity: 2048)
        try data.write(to: &json)
        var body = Array(#"{"id":"\#(id)","type":"\#(type)","timestamp":"\#(timestamp(at))","data":"#.utf8)
        body += json.bytes
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// The body with `"label": {"format", "base64"}` added to its `data`, for an endpoint
    /// with `include_label`; the body unchanged if it does not end as ``encode`` writes.
    public static func withLabel(_ body: [UInt8], format: String, base64: String) -> [UInt8] {
        guard body.count >= 2, body[body.count - 1] == UInt8(ascii: "}"), body[body.count - 2] == UInt8(ascii: "}") else {
            return body
        }
        var result = Array(body.dropLast(2))
        result += Array(#","label":{"format":"\#(format)","base64":"\#(base64)"}}}"#.utf8)
        return result
    }

    /// ISO 8601, UTC, to the millisecond: `2026-11-23T10:15:02.123Z`.
    public static func timestamp(_ milliseconds: Int64) -> String { ISOTimestamp.string(milliseconds) }

    /// A carrier.toml `tracking_url` with its `{{tracking_number}}` filled in,
    /// percent-encoded as a URL query or path needs.
    /// Letters and digits are kept, with `-._~`. A number of ASCII letters, digits and
    /// those four (every carrier's) is used as it is: building the character set for each
    /// event cost more than the rest of the URL.
    public static func trackingURL(template: String, trackingNumber: String) -> String {
        let plain = trackingNumber.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                true
            default: false
            }
        }
        let encoded = plain ? trackingNumber : trackingNumber.addingPercentEncoding(withAllowedCharacters: unreserved) ?? trackingNumber
        // Byte by byte rather than Foundation's `replacingOccurrences`, which cost as much.
        let template = Array(template.utf8)
        let placeholder = Array("{{tracking_number}}".utf8)
        var url: [UInt8] = []
        url.reserveCapacity(template.count + encoded.utf8.count)
        var index = 0
        while index < template.count {
            if template[index] == placeholder[0], template[index...].starts(with: placeholder) {
                url.append(contentsOf: encoded.utf8)
                index += placeholder.count
            } else {
                url.append(template[index])
                index += 1
            }
        }
        return String(decoding: url, as: UTF8.self)
    }

    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()
}
