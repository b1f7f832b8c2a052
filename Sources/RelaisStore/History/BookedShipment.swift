import RelaisCore

/// A booked shipment with what reports add up: its price, and its emissions inputs as
/// decided for the service it went to.
public struct BookedShipment: Sendable {
    public var id: String
    public var site: String
    public var key: ServiceKey
    /// ms since the Unix epoch.
    public var bookedAt: Int64
    public var price: Money?
    public var currency: String?
    /// What the carrier says it charged, when its reply carries a price.
    public var carrierPrice: Money?
    public var parcels: Int?
    /// Nil when its decision record has no figure for the service (not expected).
    public var emissions: ShipmentEmissions?

    public init(
        id: String, site: String, key: ServiceKey, bookedAt: Int64, price: Money?, currency: String?, carrierPrice: Money?, parcels: Int?,
        emissions: ShipmentEmissions?
    ) {
        self.id = id
        self.site = site
        self.key = key
        self.bookedAt = bookedAt
        self.price = price
        self.currency = currency
        self.carrierPrice = carrierPrice
        self.parcels = parcels
        self.emissions = emissions
    }
}
