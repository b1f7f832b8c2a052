import Foundation
import RelaisCore

/// Turns the bytes of an order file (or an API body) into validated orders (SPEC §3).
///
/// A file holds one JSON object, a JSON array of objects, or NDJSON (one object per line).
/// A UTF-8 byte-order mark and CRLF line ends are accepted. Each order is validated on its
/// own: a batch with one bad order accepts the others and rejects that one, naming the
/// field and the reason.
public struct OrderDecoder: Sendable {
    /// Site ids orders may name; nil accepts any (the caller checks later).
    public var knownSites: Set<String>?
    /// Larger inputs are rejected unread (`intake.max_file_bytes`).
    public var maxBytes: Int

    public static let maxParcels = 99
    /// Sites one order may list in `origins`: each is scored against the whole panel.
    public static let maxOrigins = 16
    public static let maxWeightKg = 1000.0
    public static let maxSideCm = 400.0

    public init(knownSites: Set<String>? = nil, maxBytes: Int = 16 << 20) {
        self.knownSites = knownSites
        self.maxBytes = maxBytes
    }

    /// The orders of one file, valid and rejected.
    public struct Batch: Sendable {
        public var orders: [DecodedOrder] = []
        public var rejections: [OrderRejection] = []
    }

    public func decode(_ data: Data) -> Batch {
        var batch = Batch()
        func rejectWhole(_ reason: String) -> Batch {
            batch.rejections.append(OrderRejection(position: 0, orderID: nil, problems: [FieldProblem(field: "", reason: reason)]))
            return batch
        }
        guard data.count <= maxBytes else {
            return rejectWhole("the file is \(data.count) bytes, over the \(maxBytes)-byte limit")
        }
        // One copy into an array: Data's per-byte access is several times slower.
        let all = [UInt8](data)
        let bytes = all.starts(with: [0xEF, 0xBB, 0xBF]) ? all[3...] : all[...]
        if let offset = Self.firstInvalidUTF8(bytes) {
            return rejectWhole("not valid UTF-8 (first bad byte at offset \(offset))")
        }
        guard let first = bytes.first(where: { !Self.isJSONSpace($0) }) else {
            return rejectWhole("the file is empty")
        }
        switch first {
        case UInt8(ascii: "["):
            switch Self.parse(bytes) {
            case .success(.array(let items)):
                for (index, item) in items.enumerated() { add(validate(item, position: index), to: &batch) }
                if items.isEmpty { return rejectWhole("the array holds no order") }
            case .success(let other):
                return rejectWhole("expected an array of orders, found \(other.typeName)")
            case .failure(let error):
                return rejectWhole(error.reason)
            }
        case UInt8(ascii: "{"):
            let firstLineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let rest = bytes[firstLineEnd...]
            // NDJSON when the first line is a value of its own and more follows; else one object.
            if rest.contains(where: { !Self.isJSONSpace($0) }), case .success = Self.parse(bytes[..<firstLineEnd]) {
                decodeLines(bytes, into: &batch)
            } else {
                switch Self.parse(bytes) {
                case .success(let value): add(validate(value, position: 0), to: &batch)
                case .failure(let error): return rejectWhole(error.reason)
                }
            }
        default:
            return rejectWhole("not JSON: expected an order object, an array of orders, or NDJSON")
        }
        return batch
    }

    /// NDJSON: one order per non-blank line; positions are line numbers.
    private func decodeLines(_ bytes: ArraySlice<UInt8>, into batch: inout Batch) {
        var lineNumber = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            guard line.contains(where: { !Self.isJSONSpace($0) }) else { continue }
            switch Self.parse(line) {
            case .success(let value):
                add(validate(value, position: lineNumber), to: &batch)
            case .failure(let error):
                batch.rejections.append(
                    OrderRejection(
                        position: lineNumber, orderID: nil,
                        problems: [FieldProblem(field: "", reason: "line \(lineNumber): \(error.reason)")]))
            }
        }
    }

    private func add(_ result: Result<DecodedOrder, OrderRejection>, to batch: inout Batch) {
        switch result {
        case .success(let order): batch.orders.append(order)
        case .failure(let rejection): batch.rejections.append(rejection)
        }
    }

    private static func parse(_ bytes: ArraySlice<UInt8>) -> Result<JSONValue, JSONSyntaxError> {
        do {
            return .success(try JSONParser.parse(bytes))
        } catch {
            return .failure(JSONSyntaxError(reason: "not valid JSON: \(error)"))
        }
    }

    static func isJSONSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return nil }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

/// Why a file or line is not JSON at all.
struct JSONSyntaxError: Error {
    var reason: String
}
