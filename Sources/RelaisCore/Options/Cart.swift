/// A checkout cart: what the shop asks `POST /v1/options` about (SPEC §15). Validated by
/// intake's cart decoder; sites are ids until the caller resolves them.
public struct Cart: Hashable, Sendable {
    /// The sites that may ship it, sorted by id (from `site` or `origins`).
    public var origins: [String]
    /// When the goods would be ready; nil means now.
    public var readyAt: Int64?
    /// Where it goes: postcode, country and, optionally, coordinates.
    public var destination: Destination
    public var coordinate: Coordinate?
    public var parcels: [Parcel]
    public var serviceLevel: ServiceLevel
    public var promisedBy: CivilDate?
    /// The modes to offer; nil offers every mode.
    public var modes: [DeliveryMode]?

    public init(
        origins: [String], readyAt: Int64? = nil, destination: Destination, coordinate: Coordinate? = nil, parcels: [Parcel],
        serviceLevel: ServiceLevel = .standard, promisedBy: CivilDate? = nil, modes: [DeliveryMode]? = nil
    ) {
        self.origins = Array(Set(origins)).sorted()
        self.readyAt = readyAt
        self.destination = destination
        self.coordinate = coordinate
        self.parcels = parcels
        self.serviceLevel = serviceLevel
        self.promisedBy = promisedBy
        self.modes = modes
    }

    /// The shipment the cart would become in `mode`, leaving from any of `sites` (the
    /// cart's origins, resolved), ready at `readyAt` (seconds).
    public func shipment(mode: DeliveryMode, sites: [Site], readyAt: Int64) -> Shipment {
        let recipient = Recipient(
            name: "", street: [], postcode: destination.postcode, city: "", country: destination.country,
            coordinate: coordinate)
        let sorted = sites.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        let first = sorted[0]
        return Shipment(
            id: "cart", orderIDs: [], site: first, origins: sorted, recipient: recipient, serviceLevel: serviceLevel,
            deliveryMode: mode, relayPoint: mode.needsRelayPoint ? "cart" : nil, parcels: parcels,
            ready: LocalTime(instant: readyAt, in: first.timeZone), readyAt: readyAt, promisedBy: promisedBy, tags: [],
            value: nil)
    }
}
