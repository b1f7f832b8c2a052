import RelaisCore

/// A shipment as recorded, for `GET /v1/shipments/{id}` and `relaisctl show`.
public struct ShipmentRecord: Hashable, Sendable {
    public var id: String
    public var state: ShipmentState
    public var orderIDs: [String]
    public var site: String
    public var carrier: String?
    public var service: String?
    public var trackingNumber: String?
    public var price: Money?
    public var currency: String?
    public var eta: String?
    public var co2eGrams: Double?
    public var late: Bool
    public var labelPath: String?
    public var attempts: Int
    public var nextAttemptAt: Int64?
    public var reason: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The greenhouse-gas figure of the service it is on (nil while held).
    public var emissions: ShipmentEmissions?
    /// For a return (`R-…`, SPEC §14): the return request it was made for; nil for an
    /// outbound shipment. A return's `orderIDs` is the order coming back.
    public var returnOf: ReturnOf?

    public init(
        id: String,
        state: ShipmentState,
        orderIDs: [String],
        site: String,
        carrier: String? = nil,
        service: String? = nil,
        trackingNumber: String? = nil,
        price: Money? = nil,
        currency: String? = nil,
        eta: String? = nil,
        co2eGrams: Double? = nil,
        late: Bool,
        labelPath: String? = nil,
        attempts: Int,
        nextAttemptAt: Int64? = nil,
        reason: String? = nil,
        createdAt: Int64,
        updatedAt: Int64,
        emissions: ShipmentEmissions? = nil,
        returnOf: ReturnOf? = nil
    ) {
        self.id = id
        self.state = state
        self.orderIDs = orderIDs
        self.site = site
        self.carrier = carrier
        self.service = service
        self.trackingNumber = trackingNumber
        self.price = price
        self.currency = currency
        self.eta = eta
        self.co2eGrams = co2eGrams
        self.late = late
        self.labelPath = labelPath
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.reason = reason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.emissions = emissions
        self.returnOf = returnOf
    }
}

/// What a return shipment brings back (SPEC §14): the shop's return id, the order and the
/// customer's reason, as `POST /v1/returns` gave them.
public struct ReturnOf: Hashable, Sendable {
    /// The shop's id for the return (`RET-1`), unique.
    public var id: String
    public var orderID: String
    public var reason: String?

    public init(id: String, orderID: String, reason: String?) {
        self.id = id
        self.orderID = orderID
        self.reason = reason
    }
}
