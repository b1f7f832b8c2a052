/// Orders that travel together as one multi-parcel consignment: what the decision scores
/// and what a carrier books (SPEC §4).
public struct Shipment: Sendable {
    public var id: String
    public var orderIDs: [String]
    public var site: Site
    public var recipient: Recipient
    public var serviceLevel: ServiceLevel
    public var deliveryMode: DeliveryMode
    public var relayPoint: String?
    public var parcels: [Parcel]
    /// When the last of its orders is ready, on the site's wall clock.
    public var ready: LocalTime
    /// The earliest promise among its orders.
    public var promisedBy: CivilDate?
    /// The union of its orders' tags, sorted.
    public var tags: [String]
    /// The sum of its orders' values, when they share one currency.
    public var value: OrderValue?

    public init(
        id: String, orderIDs: [String], site: Site, recipient: Recipient, serviceLevel: ServiceLevel,
        deliveryMode: DeliveryMode, relayPoint: String?, parcels: [Parcel], ready: LocalTime,
        promisedBy: CivilDate?, tags: [String], value: OrderValue?
    ) {
        self.id = id
        self.orderIDs = orderIDs
        self.site = site
        self.recipient = recipient
        self.serviceLevel = serviceLevel
        self.deliveryMode = deliveryMode
        self.relayPoint = relayPoint
        self.parcels = parcels
        self.ready = ready
        self.promisedBy = promisedBy
        self.tags = tags
        self.value = value
    }

    /// A shipment of `orders`, which aggregation has already grouped (same site, recipient,
    /// mode and service level).
    ///
    /// - Precondition: `orders` is not empty and every order is for `site`.
    public init(id: String, orders: [Order], site: Site) {
        precondition(!orders.isEmpty, "a shipment has at least one order")
        let first = orders[0]
        let readyAt = orders.map(\.readyAt).max()!
        var tags = Set<String>()
        var value: OrderValue? = first.value
        for order in orders {
            precondition(order.site == site.id, "order \(order.id) is not for site \(site.id)")
            tags.formUnion(order.tags)
            if order.id != first.id {
                if let total = value, let more = order.value, more.currency == total.currency {
                    value = OrderValue(amount: total.amount + more.amount, currency: total.currency)
                } else {
                    value = nil
                }
            }
        }
        self.init(
            id: id, orderIDs: orders.map(\.id), site: site, recipient: first.recipient,
            serviceLevel: first.serviceLevel, deliveryMode: first.deliveryMode, relayPoint: first.relayPoint,
            parcels: orders.flatMap(\.parcels), ready: LocalTime(instant: readyAt, in: site.timeZone),
            promisedBy: orders.compactMap(\.promisedBy).min(), tags: tags.sorted(), value: value)
    }

    /// The total actual weight, which policy rules match on (`weight_kg`).
    public var totalWeightKg: Double { parcels.reduce(0) { $0 + $1.weightKg } }
}
