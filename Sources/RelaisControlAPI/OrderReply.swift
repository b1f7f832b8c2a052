/// `GET /v1/orders/{id}` (SPEC §10).
public struct OrderReply: Codable, Hashable, Sendable {
    public var id: String
    /// The shipment carrying it, once aggregated.
    public var shipment: String?
    /// `pending` until aggregated, then its shipment's state.
    public var state: String
    public var site: String
    public var receivedAt: String

    public init(id: String, shipment: String?, state: String, site: String, receivedAt: String) {
        self.id = id
        self.shipment = shipment
        self.state = state
        self.site = site
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, shipment, state, site, receivedAt = "received_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(shipment, forKey: .shipment)
        try c.encode(state, forKey: .state)
        try c.encode(site, forKey: .site)
        try c.encode(receivedAt, forKey: .receivedAt)
    }
}

/// `POST /v1/orders`: what became of each order of the body. Accepted orders are durable
/// when this reply is sent.
public struct SubmitReply: Codable, Hashable, Sendable {
    public struct Rejected: Codable, Hashable, Sendable {
        /// Position in the body: array index, NDJSON line, 0 for a single object.
        public var position: Int
        public var id: String?
        public var problems: [String]

        public init(position: Int, id: String?, problems: [String]) {
            self.position = position
            self.id = id
            self.problems = problems
        }
    }

    public var accepted: [String]
    /// Same id, same content: already recorded, nothing changed.
    public var duplicates: [String]
    /// Same id, different content: refused; the first version stays.
    public var conflicts: [String]
    public var rejected: [Rejected]
    public var warnings: [String]
    /// With a 422, the API's error fields (SPEC §10): `refused` and the reason in words.
    public var error: String?
    public var reason: String?

    public init(accepted: [String], duplicates: [String], conflicts: [String], rejected: [Rejected], warnings: [String]) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.conflicts = conflicts
        self.rejected = rejected
        self.warnings = warnings
    }

    /// Why some orders were not taken, when some were not: the first problem, and how many.
    public static func refusal(rejected: [Rejected], conflicts: [String]) -> String? {
        var parts: [String] = []
        if let first = rejected.first {
            let more = rejected.count > 1 ? " (and \(rejected.count - 1) more rejected)" : ""
            parts.append("order \(first.id ?? "at position \(first.position)"): \(first.problems.joined(separator: "; "))\(more)")
        }
        if !conflicts.isEmpty {
            parts.append("\(conflicts.count) conflicting with the recorded version (first: \(conflicts[0]))")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
