import RelaisCore

/// A booked shipment with what the promise report measures (SPEC §13): when it was booked
/// and on which service, the ETAs its decision announced for that service, its tracking
/// status and when the carrier says it was delivered, and its orders (ready time,
/// recipient, `promised_by`).
public struct TrackedDelivery: Sendable {
    public var id: String
    /// The site it left from.
    public var site: String
    public var key: ServiceKey
    /// ms since the Unix epoch.
    public var bookedAt: Int64
    /// The ETAs its decision recorded for the service it was booked on (after a failover,
    /// that candidate's); nil when the record has none.
    public var eta: ETA?
    /// Its tracking status; nil before the first carrier event.
    public var status: TrackingStatus?
    /// The carrier's time of its `delivered` event, ms since the Unix epoch.
    public var deliveredAt: Int64?
    /// Canonical JSON of its orders, in id order.
    public var orderBodies: [String]

    public init(
        id: String, site: String, key: ServiceKey, bookedAt: Int64, eta: ETA?, status: TrackingStatus?, deliveredAt: Int64?,
        orderBodies: [String]
    ) {
        self.id = id
        self.site = site
        self.key = key
        self.bookedAt = bookedAt
        self.eta = eta
        self.status = status
        self.deliveredAt = deliveredAt
        self.orderBodies = orderBodies
    }
}
