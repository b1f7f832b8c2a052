import RelaisCore

/// Why an order was not accepted: the field at fault and the reason, for the OMS team.
public struct FieldProblem: Hashable, Codable, Sendable, CustomStringConvertible {
    /// A JSON path such as `parcels[0].weight_kg`; empty for the document as a whole.
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }
}

/// One order of a file that could not be accepted.
public struct OrderRejection: Error, Hashable, Codable, Sendable {
    /// The order's position in its file: the index in an array, the line in NDJSON, 0 for
    /// a single object.
    public var position: Int
    /// The order's id, when it could be read.
    public var orderID: String?
    public var problems: [FieldProblem]

    public init(position: Int, orderID: String?, problems: [FieldProblem]) {
        self.position = position
        self.orderID = orderID
        self.problems = problems
    }

    enum CodingKeys: String, CodingKey {
        case position, orderID = "order_id", problems
    }
}

/// A valid order, with the unknown fields it carried (accepted, but worth telling the OMS).
public struct DecodedOrder: Hashable, Sendable {
    public var order: Order
    public var warnings: [FieldProblem]
    /// The position in the file, as in ``OrderRejection/position``.
    public var position: Int
    /// The order's JSON in canonical form (``JSONValue/canonicalText``): what is stored, and
    /// what idempotency compares.
    public var canonicalJSON: String

    public init(order: Order, warnings: [FieldProblem], position: Int, canonicalJSON: String) {
        self.order = order
        self.warnings = warnings
        self.position = position
        self.canonicalJSON = canonicalJSON
    }
}
