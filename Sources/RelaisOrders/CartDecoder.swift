import Foundation
import RelaisCore

/// Reads the cart of `POST /v1/options` (SPEC §15): one JSON object, validated with the
/// order rules where the fields are the same (`site`/`origins`, parcels, dates), each
/// problem naming its field.
public struct CartDecoder: Sendable {
    /// The checks shared with orders: known sites, size limit.
    public var orders: OrderDecoder

    public init(knownSites: Set<String>? = nil, maxBytes: Int = 1 << 20) {
        self.orders = OrderDecoder(knownSites: knownSites, maxBytes: maxBytes)
    }

    /// A valid cart, with warnings for fields it did not know.
    public struct Decoded: Sendable {
        public var cart: Cart
        public var warnings: [FieldProblem]
    }

    /// Why a cart cannot be read: every field at fault.
    public struct Rejection: Error, Hashable, Sendable {
        public var problems: [FieldProblem]
    }

    public func decode(_ data: Data) -> Result<Decoded, Rejection> {
        func reject(_ field: String, _ reason: String) -> Result<Decoded, Rejection> {
            .failure(Rejection(problems: [FieldProblem(field: field, reason: reason)]))
        }
        guard data.count <= orders.maxBytes else {
            return reject("", "the cart is \(data.count) bytes, over the \(orders.maxBytes)-byte limit")
        }
        let all = [UInt8](data)
        let bytes = all.starts(with: [0xEF, 0xBB, 0xBF]) ? all[3...] : all[...]
        if let offset = OrderDecoder.firstInvalidUTF8(bytes) {
            return reject("", "not valid UTF-8 (first bad byte at offset \(offset))")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return reject("", "not valid JSON: \(error)")
        }
        guard case .object(let fields) = value else { return reject("", "a cart must be a JSON object, found \(value.typeName)") }

        var problems: [FieldProblem] = []
        var warnings: [FieldProblem] = []
        var reader = JSONObjectReader(fields, path: "")
        let origins = orders.origins(&reader, problems: &problems)
        var readyAt: Int64?
        if let text = reader.text("ready_at", maxLength: 40, problems: &problems) {
            readyAt = Timestamp.parse(text)
            if readyAt == nil {
                problems.append(
                    FieldProblem(field: "ready_at", reason: "'\(text)' is not a date-time with an offset, such as 2026-11-23T10:15:00+01:00"))
            }
        }
        var destination: Destination?
        var coordinate: Coordinate?
        if var recipient = reader.object("recipient", required: true, problems: &problems) {
            let before = problems.count
            let postcode = recipient.text("postcode", required: true, maxLength: 16, problems: &problems)
            let country = recipient.text("country", required: true, maxLength: 2, problems: &problems)?.uppercased()
            if let code = country, !(code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }) {
                problems.append(FieldProblem(field: "recipient.country", reason: "'\(code)' is not an ISO 3166 country code such as FR"))
            }
            let lat = recipient.number("lat", range: -90...90, unit: "degrees", problems: &problems)
            let lon = recipient.number("lon", range: -180...180, unit: "degrees", problems: &problems)
            if (lat == nil) != (lon == nil), problems.count == before {
                problems.append(FieldProblem(field: "recipient.lat", reason: "lat and lon go together: give both or neither"))
            }
            // A cart may carry a whole address; only these fields count for options.
            for key in ["name", "company", "street", "city", "phone", "email"] { _ = recipient.value(key, required: false, problems: &problems) }
            warnings += recipient.unknownFields()
            if problems.count == before, let postcode, let country {
                destination = Destination(country: country, postcode: postcode)
                coordinate = lat.flatMap { lat in lon.map { Coordinate(lat: lat, lon: $0) } }
            }
        }
        let parcels = orders.parcels(&reader, problems: &problems, warnings: &warnings)
        var level = ServiceLevel.standard
        if let text = reader.text("service_level", maxLength: 20, problems: &problems) {
            if let known = ServiceLevel(rawValue: text) { level = known } else {
                problems.append(
                    FieldProblem(field: "service_level", reason: "'\(text)' is not one of \(ServiceLevel.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        var promisedBy: CivilDate?
        if let text = reader.text("promised_by", maxLength: 10, problems: &problems) {
            promisedBy = CivilDate(text)
            if promisedBy == nil { problems.append(FieldProblem(field: "promised_by", reason: "'\(text)' is not a date YYYY-MM-DD")) }
        }
        var modes: [DeliveryMode]?
        if let items = reader.array("modes", problems: &problems) {
            var list: [DeliveryMode] = []
            for (index, item) in items.enumerated() {
                guard let text = JSONObjectReader.text(item, field: "modes[\(index)]", maxLength: 20, problems: &problems) else { continue }
                guard let mode = DeliveryMode(rawValue: text) else {
                    problems.append(
                        FieldProblem(field: "modes[\(index)]", reason: "'\(text)' is not one of \(DeliveryMode.allCases.map(\.rawValue).joined(separator: ", "))"))
                    continue
                }
                if !list.contains(mode) { list.append(mode) }
            }
            if items.isEmpty { problems.append(FieldProblem(field: "modes", reason: "must list at least one mode, or be left out for all")) }
            modes = list
        }
        warnings = reader.unknownFields() + warnings
        guard problems.isEmpty, let origins, let destination, let parcels else { return .failure(Rejection(problems: problems)) }
        return .success(
            Decoded(
                cart: Cart(
                    origins: origins, readyAt: readyAt, destination: destination, coordinate: coordinate, parcels: parcels,
                    serviceLevel: level, promisedBy: promisedBy, modes: modes),
                warnings: warnings))
    }
}
