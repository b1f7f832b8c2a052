/// A ready-to-ship order from the OMS, validated (SPEC §3).
public struct Order: Hashable, Codable, Sendable {
    public var id: String
    public var site: String
    /// When the goods are ready, as an instant (seconds since the Unix epoch).
    public var readyAt: Int64
    /// The `ready_at` text as the OMS wrote it, kept for the record.
    public var readyAtText: String
    public var promisedBy: CivilDate?
    public var serviceLevel: ServiceLevel
    public var deliveryMode: DeliveryMode
    public var relayPoint: String?
    public var recipient: Recipient
    public var parcels: [Parcel]
    public var value: OrderValue?
    public var tags: [String]

    public init(
        id: String, site: String, readyAt: Int64, readyAtText: String, promisedBy: CivilDate?,
        serviceLevel: ServiceLevel, deliveryMode: DeliveryMode, relayPoint: String?,
        recipient: Recipient, parcels: [Parcel], value: OrderValue?, tags: [String]
    ) {
        self.id = id
        self.site = site
        self.readyAt = readyAt
        self.readyAtText = readyAtText
        self.promisedBy = promisedBy
        self.serviceLevel = serviceLevel
        self.deliveryMode = deliveryMode
        self.relayPoint = relayPoint
        self.recipient = recipient
        self.parcels = parcels
        self.value = value
        self.tags = tags
    }
}

/// The declared value of an order's goods.
public struct OrderValue: Hashable, Codable, Sendable {
    public var amount: Money
    /// ISO 4217, upper case.
    public var currency: String

    public init(amount: Money, currency: String) {
        self.amount = amount
        self.currency = currency
    }
}

extension Money: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let money = Money(decimal: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an amount: \(text)")
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
