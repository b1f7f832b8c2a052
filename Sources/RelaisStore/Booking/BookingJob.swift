import RelaisCore

/// A claimed shipment with what the booking stage needs to call a carrier.
public struct BookingJob: Sendable {
    public var id: String
    public var site: String
    public var carrier: String
    public var service: String
    /// Claims so far, this one included.
    public var attempts: Int
    public var createdAt: Instant
    /// Its orders as accepted (canonical JSON), in id order.
    public var orderBodies: [String]
    /// The eligible candidates of its decision, best first; then, for a decision that sent
    /// a late shipment with the fastest (`when_unmeetable = "fastest"`), the candidates
    /// that only miss the promise, fastest first.
    public var candidates: [BookingCandidate]
    /// Services already refused (permanent) or failed over from, for this shipment.
    public var excluded: Set<ServiceKey>
    /// Transient failures on the current service so far.
    public var transientFailuresHere: Int
    /// A return (SPEC §14) is booked from the customer to the site; set after `init`.
    public var direction: Direction = .outbound

    public init(
        id: String, site: String, carrier: String, service: String, attempts: Int, createdAt: Instant, orderBodies: [String],
        candidates: [BookingCandidate], excluded: Set<ServiceKey> = [], transientFailuresHere: Int = 0
    ) {
        self.id = id
        self.site = site
        self.carrier = carrier
        self.service = service
        self.attempts = attempts
        self.createdAt = createdAt
        self.orderBodies = orderBodies
        self.candidates = candidates
        self.excluded = excluded
        self.transientFailuresHere = transientFailuresHere
    }
}

/// An eligible candidate of a recorded decision, as failover needs it.
public struct BookingCandidate: Hashable, Sendable {
    public var key: ServiceKey
    public var price: Money?
    public var eta: String?
    public var co2eGrams: Double?

    public init(key: ServiceKey, price: Money? = nil, eta: String? = nil, co2eGrams: Double? = nil) {
        self.key = key
        self.price = price
        self.eta = eta
        self.co2eGrams = co2eGrams
    }
}
