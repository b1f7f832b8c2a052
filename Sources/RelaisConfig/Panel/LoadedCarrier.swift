import RelaisCore

/// A carrier as loaded from its folder: the domain value and what only I/O stages need.
public struct LoadedCarrier: Hashable, Sendable {
    public var carrier: Carrier
    public var api: CarrierAPISettings?
    /// The carrier's folder (templates and rates are relative to it).
    public var directory: String

    public init(carrier: Carrier, api: CarrierAPISettings?, directory: String) {
        self.carrier = carrier
        self.api = api
        self.directory = directory
    }
}
