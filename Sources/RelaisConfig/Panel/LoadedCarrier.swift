import RelaisCore

/// A carrier as loaded from its folder: the domain value and what only I/O stages need.
public struct LoadedCarrier: Hashable, Sendable {
    public var carrier: Carrier
    public var api: CarrierAPISettings?
    /// The carrier's folder (templates and rates are relative to it).
    public var directory: String
    /// The public tracking page, a template with `{{tracking_number}}` (SPEC §12, §13): the
    /// link the shop puts in the customer's e-mail.
    public var trackingURL: String?

    public init(carrier: Carrier, api: CarrierAPISettings?, directory: String, trackingURL: String? = nil) {
        self.carrier = carrier
        self.api = api
        self.directory = directory
        self.trackingURL = trackingURL
    }
}
