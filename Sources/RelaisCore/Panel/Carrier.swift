/// A carrier of the panel: data, not code (`carriers/<id>/carrier.toml`, SPEC §5).
public struct Carrier: Hashable, Sendable {
    public var id: String
    public var name: String
    /// The currency of its rate CSVs; must be the policy's.
    public var currency: String
    public var zones: ZoneMap
    public var fleet: Fleet
    public var services: [CarrierService]

    public init(id: String, name: String, currency: String, zones: ZoneMap, fleet: Fleet, services: [CarrierService]) {
        self.id = id
        self.name = name
        self.currency = currency
        self.zones = zones
        self.fleet = fleet
        self.services = services
    }
}
