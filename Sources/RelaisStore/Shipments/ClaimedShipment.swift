/// A shipment the booking stage has claimed.
public struct ClaimedShipment: Codable, Hashable, Sendable {
    public var id: String
    public var site: String
    public var carrier: String?
    public var service: String?
    public var attempts: Int

    public init(
        id: String,
        site: String,
        carrier: String? = nil,
        service: String? = nil,
        attempts: Int
    ) {
        self.id = id
        self.site = site
        self.carrier = carrier
        self.service = service
        self.attempts = attempts
    }
}
