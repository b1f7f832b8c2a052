/// JSON written directly, for the shipment replies that the control API lists in bulk and
/// that every outbox event carries: byte for byte what Foundation's `JSONEncoder` writes
/// with `.withoutEscapingSlashes` and `.sortedKeys` (``OutboxBody``'s encoder), at a
/// fraction of its cost (`JSONEncoder` was more than half of the time of
/// `GET /v1/shipments`, and ran on the single writer for every event). Every writer lists
/// its keys sorted by their bytes. `JSONTextTests` compares the two.
///
/// Commas are placed by the writer: ``key(_:)`` and ``element()`` write one before every
/// member but the first; an object or array that ends counts as a value written.
public struct JSONText {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    /// `"name":`, after a comma unless it is the object's first member. `name` is written as
    /// given: the replies' keys are ASCII and need no escaping.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Before each element of an array.
    public mutating func element() { separate() }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    public mutating func null() { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    public mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    /// As `JSONEncoder` writes a `Double`: its `description`, without a trailing `.0`.
    /// - Throws: `EncodingError.invalidValue` for infinities and NaN, as `JSONEncoder` does.
    public mutating func double(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: [], debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A string, escaped as `JSONEncoder` does: `"` and `\`, the C0 controls (`\b \t \n \f \r`
    /// short, the others `\u00xx`); everything else, `/` and non-ASCII included, as is.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most texts need no escape: copied whole, scanned as the bytes they are stored as
        // (a native string's UTF-8 is contiguous; through `UTF8View` the scan was a tenth of
        // listing 20 shipments).
        let copied =
            value.utf8.withContiguousStorageIfAvailable { utf8 in
                guard !utf8.contains(where: Self.needsEscape) else { return false }
                bytes.append(contentsOf: utf8)
                return true
            } ?? false
        if copied {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    // `null` for nil: the replies' keys that are always present.
    public mutating func string(_ value: String?) { if let value { string(value) } else { null() } }
    public mutating func int(_ value: Int?) { if let value { int(value) } else { null() } }
    public mutating func double(_ value: Double?) throws { if let value { try double(value) } else { null() } }
    public mutating func value(_ value: (some JSONWritable)?) throws { if let value { try value.write(to: &self) } else { null() } }

    // Members: `"name":value`. `member` writes the key whatever the value (`null` for nil),
    // as `encode(_:forKey:)` does; `memberIfPresent` only for a value, as `encodeIfPresent`.
    public mutating func member(_ name: StaticString, _ value: String?) {
        key(name)
        string(value)
    }

    public mutating func member(_ name: StaticString, _ value: Int?) {
        key(name)
        int(value)
    }

    public mutating func member(_ name: StaticString, _ value: Double?) throws {
        key(name)
        try double(value)
    }

    public mutating func member(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    public mutating func member(_ name: StaticString, _ value: (some JSONWritable)?) throws {
        key(name)
        try self.value(value)
    }

    public mutating func member(_ name: StaticString, _ values: [String]) {
        key(name)
        beginArray()
        for value in values {
            element()
            string(value)
        }
        endArray()
    }

    public mutating func member(_ name: StaticString, _ values: [some JSONWritable]) throws {
        key(name)
        beginArray()
        for value in values {
            element()
            try value.write(to: &self)
        }
        endArray()
    }

    /// An object of counts, its keys sorted by their bytes as `.sortedKeys` sorts them.
    public mutating func member(_ name: StaticString, _ counts: [String: Int]) {
        key(name)
        beginObject()
        for (name, count) in counts.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            separate()
            string(name)
            bytes.append(UInt8(ascii: ":"))
            int(count)
        }
        endObject()
    }

    public mutating func memberIfPresent(_ name: StaticString, _ counts: [String: Int]?) {
        if let counts { member(name, counts) }
    }

    public mutating func memberIfPresent(_ name: StaticString, _ values: [String]?) {
        if let values { member(name, values) }
    }

    public mutating func memberIfPresent(_ name: StaticString, _ value: String?) {
        if let value { member(name, value) }
    }

    public mutating func memberIfPresent(_ name: StaticString, _ value: Int?) {
        if let value { member(name, value) }
    }

    public mutating func memberIfPresent(_ name: StaticString, _ value: Double?) throws {
        if let value { try member(name, value) }
    }

    public mutating func memberIfPresent(_ name: StaticString, _ value: (some JSONWritable)?) throws {
        if let value { try member(name, value) }
    }

    public mutating func memberIfPresent(_ name: StaticString, _ values: [some JSONWritable]?) throws {
        if let values { try member(name, values) }
    }
}
