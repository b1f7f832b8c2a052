/// Orders that travel together as one multi-parcel consignment: what the decision scores
/// and what a carrier books (SPEC §4).
public struct Shipment: Sendable {
    public var id: String
    public var orderIDs: [String]
    /// The site it leaves from: its only origin, or the first of its ``origins`` until a
    /// decision chose one (``leaving(from:)``).
    public var site: Site
    /// The sites that may ship it (SPEC §15), sorted by id; `[site]` for orders that name
    /// their site. The decision scores every (origin, service) pair.
    public var origins: [Site]
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
    /// When the last of its orders is ready, as an instant (seconds since the Unix epoch):
    /// how ``ready`` reads on another origin's clock. Nil when only ``ready`` is known, which
    /// then holds for every origin.
    public var readyAt: Int64?
    /// The option the customer chose at checkout, when its orders agree on one.
    public var requestedService: ServiceKey?
    /// Out to the customer, or a return from them (SPEC §14); set after `init`.
    public var direction: Direction = .outbound

    public init(
        id: String, orderIDs: [String], site: Site, origins: [Site]? = nil, recipient: Recipient, serviceLevel: ServiceLevel,
        deliveryMode: DeliveryMode, relayPoint: String?, parcels: [Parcel], ready: LocalTime, readyAt: Int64? = nil,
        promisedBy: CivilDate?, tags: [String], value: OrderValue?, requestedService: ServiceKey? = nil
    ) {
        self.id = id
        self.orderIDs = orderIDs
        self.site = site
        self.origins = origins ?? [site]
        self.readyAt = readyAt
        self.requestedService = requestedService
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

    /// A shipment of `orders` leaving from `site`, which aggregation has already grouped
    /// (same origins, recipient, mode and service level): what booking calls the carrier with.
    ///
    /// - Precondition: `orders` is not empty and `site` is an origin of every order.
    public init(id: String, orders: [Order], site: Site) {
        self.init(id: id, orders: orders, origins: [site])
    }

    /// A shipment of `orders` that any of `origins` may ship: what the decision scores.
    ///
    /// - Precondition: `orders` and `origins` are not empty, and every origin is an origin
    ///   of every order.
    public init(id: String, orders: [Order], origins unsorted: [Site]) {
        precondition(!orders.isEmpty, "a shipment has at least one order")
        precondition(!unsorted.isEmpty, "a shipment has at least one origin")
        let origins = unsorted.count == 1 ? unsorted : unsorted.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        let site = origins[0]
        let first = orders[0]
        let readyAt = orders.map(\.readyAt).max()!
        var tags = Set<String>()
        var value: OrderValue? = first.value
        for order in orders {
            for origin in origins {
                precondition(order.origins.contains(origin.id), "order \(order.id) is not for site \(origin.id)")
            }
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
            id: id, orderIDs: orders.map(\.id), site: site, origins: origins, recipient: first.recipient,
            serviceLevel: first.serviceLevel, deliveryMode: first.deliveryMode, relayPoint: first.relayPoint,
            parcels: orders.flatMap(\.parcels), ready: LocalTime(instant: readyAt, in: site.timeZone), readyAt: readyAt,
            promisedBy: orders.compactMap(\.promisedBy).min(), tags: tags.sorted(), value: value,
            requestedService: orders.allSatisfy({ $0.requestedService == first.requestedService }) ? first.requestedService : nil)
    }

    /// The shipment as it leaves from `origin`: ``site`` and ``ready`` on that site's clock.
    public func leaving(from origin: Site) -> Shipment {
        var copy = self
        copy.site = origin
        copy.ready = ready(at: origin)
        return copy
    }

    /// When it is ready, on `origin`'s wall clock.
    public func ready(at origin: Site) -> LocalTime {
        guard let readyAt, origin.timeZone != site.timeZone else { return ready }
        return LocalTime(instant: readyAt, in: origin.timeZone)
    }

    /// The total actual weight, which policy rules match on (`weight_kg`).
    public var totalWeightKg: Double { parcels.reduce(0) { $0 + $1.weightKg } }
}
