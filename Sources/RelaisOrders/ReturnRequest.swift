import RelaisCore

extension FieldProblem: Error {}

/// `POST /v1/returns` (SPEC §14): `{"id": "RET-1", "order": "A-1001", "reason": "size",
/// "to_site": "lyon-dc", "delivery_mode": "relay", "parcels": […]}`; `to_site`,
/// `delivery_mode` and `parcels` default to the order's.
public struct ReturnRequest: Hashable, Sendable {
    public var id: String
    public var order: String
    public var reason: String?
    public var toSite: String?
    public var deliveryMode: DeliveryMode?
    /// The parcels coming back, as the order writes them; nil: all of the order's.
    public var parcels: JSONValue?

    /// Decodes the body; every problem names its field.
    public static func decode(_ bytes: [UInt8]) throws(FieldProblem) -> ReturnRequest {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw FieldProblem(field: "", reason: "not JSON: \(error)") }
        guard case .object(let fields) = value else { throw FieldProblem(field: "", reason: "a return is a JSON object") }
        if let unknown = fields.keys.sorted().first(where: { !["id", "order", "reason", "to_site", "delivery_mode", "parcels"].contains($0) }) {
            throw FieldProblem(field: unknown, reason: "unknown field")
        }
        func text(_ key: String, required: Bool) throws(FieldProblem) -> String? {
            switch fields[key] {
            case nil, .null?:
                if required { throw FieldProblem(field: key, reason: "required") }
                return nil
            case .string(let value)?:
                if let problem = OrderIDRule.problem(with: value) { throw FieldProblem(field: key, reason: problem) }
                return value
            case let other?:
                throw FieldProblem(field: key, reason: "must be a string, found \(other.typeName)")
            }
        }
        var request = ReturnRequest(
            id: try text("id", required: true) ?? "", order: try text("order", required: true) ?? "", reason: nil, toSite: nil,
            deliveryMode: nil, parcels: nil)
        if case .string(let reason)? = fields["reason"] { request.reason = String(reason.prefix(200)) }
        request.toSite = try text("to_site", required: false)
        if let mode = try text("delivery_mode", required: false) {
            guard let parsed = DeliveryMode(rawValue: mode) else {
                throw FieldProblem(field: "delivery_mode", reason: "'\(mode)' is not one of \(DeliveryMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            request.deliveryMode = parsed
        }
        if let parcels = fields["parcels"], parcels != .null {
            guard case .array(let list) = parcels, !list.isEmpty else {
                throw FieldProblem(field: "parcels", reason: "must be a non-empty array of parcels")
            }
            request.parcels = parcels
        }
        return request
    }

    /// The return as booking reads it: the recorded order (its canonical JSON) with this
    /// request's site, mode and parcels, ready at `readyAt` (ISO 8601 with its offset).
    /// A relay drop-off names no point: the customer chooses one of the carrier's network.
    /// - Throws: the problem, its field named as in the request (`parcels[0].weight_kg`).
    public func returnOrder(recorded body: String, readyAt: String) throws(FieldProblem) -> DecodedOrder {
        guard case .object(var fields)? = try? JSONValue.parse(Array(body.utf8)) else {
            throw FieldProblem(field: "order", reason: "order \(order) is not readable as recorded")
        }
        if let toSite { fields["site"] = .string(toSite) }
        fields["origins"] = nil
        fields["ready_at"] = .string(readyAt)
        fields["promised_by"] = nil
        fields["requested_service"] = nil
        if let deliveryMode { fields["delivery_mode"] = .string(deliveryMode.rawValue) }
        let mode = deliveryMode ?? (fields["delivery_mode"].flatMap { if case .string(let text) = $0 { DeliveryMode(rawValue: text) } else { nil } })
        if mode?.needsRelayPoint == true, fields["relay_point"] == nil || fields["relay_point"] == .null {
            fields["relay_point"] = .string(Self.anyDropOffPoint)
        } else if mode?.needsRelayPoint == false {
            fields["relay_point"] = nil
        }
        if let parcels { fields["parcels"] = parcels }
        switch OrderDecoder().validate(.object(fields), position: 0) {
        case .success(let decoded): return decoded
        case .failure(let rejection):
            let problem = rejection.problems.first ?? FieldProblem(field: "", reason: "refused")
            throw FieldProblem(field: problem.field, reason: problem.reason)
        }
    }

    /// The relay point of a return handed over at any point of the carrier's network.
    public static let anyDropOffPoint = "ANY"
}
