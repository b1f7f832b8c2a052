/// One carrier of `GET /v1/carriers`.
public struct CarrierReply: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    /// The breaker: `closed` | `open` | `half-open`; `none` when the carrier has no booking API.
    public var state: String
    /// Whether relaisd can book it (an `[api]` with a `book` operation and credentials).
    public var bookable: Bool
    public var services: [String]
    /// Times the breaker opened since the daemon started.
    public var breakerOpenings: Int

    public init(id: String, name: String, state: String, bookable: Bool, services: [String], breakerOpenings: Int) {
        self.id = id
        self.name = name
        self.state = state
        self.bookable = bookable
        self.services = services
        self.breakerOpenings = breakerOpenings
    }

    enum CodingKeys: String, CodingKey {
        case id, name, state, bookable, services, breakerOpenings = "breaker_openings"
    }
}
