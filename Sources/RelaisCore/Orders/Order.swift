/// A ready-to-ship order from the OMS, validated (SPEC §3).
public struct Order: Hashable, Codable, Sendable {
    public var id: String
    /// The sites that may ship it (SPEC §15): `[site]` for an order that names its `site`,
    /// else its `origins`, sorted by id (their order carries no meaning: ties between
    /// origins go to the id in byte order).
    public var origins: [String]
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
    /// The option the customer chose at checkout (`requested_service`), honoured while it
    /// is eligible (SPEC §15).
    public var requestedService: ServiceKey?

    /// An order shipped from one `site`.
    public init(
        id: String, site: String, readyAt: Int64, readyAtText: String, promisedBy: CivilDate?,
        serviceLevel: ServiceLevel, deliveryMode: DeliveryMode, relayPoint: String?,
        recipient: Recipient, parcels: [Parcel], value: OrderValue?, tags: [String], requestedService: ServiceKey? = nil
    ) {
        self.init(
            id: id, origins: [site], readyAt: readyAt, readyAtText: readyAtText, promisedBy: promisedBy,
            serviceLevel: serviceLevel, deliveryMode: deliveryMode, relayPoint: relayPoint, recipient: recipient,
            parcels: parcels, value: value, tags: tags, requestedService: requestedService)
    }

    /// An order any of `origins` may ship (SPEC §15).
    ///
    /// - Precondition: `origins` is not empty.
    public init(
        id: String, origins: [String], readyAt: Int64, readyAtText: String, promisedBy: CivilDate?,
        serviceLevel: ServiceLevel, deliveryMode: DeliveryMode, relayPoint: String?,
        recipient: Recipient, parcels: [Parcel], value: OrderValue?, tags: [String], requestedService: ServiceKey? = nil
    ) {
        precondition(!origins.isEmpty, "an order has at least one origin")
        self.id = id
        self.origins = Array(Set(origins)).sorted()
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
        self.requestedService = requestedService
    }

    /// What records file the order under: its site, or its origins joined by commas
    /// (`"lille-store,lyon-dc"`). Also its part of the consolidation key, so orders with
    /// different origin lists never ship together.
    public var site: String { origins.count == 1 ? origins[0] : origins.joined(separator: ",") }
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
