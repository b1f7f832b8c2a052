/// An uncertain shipment whose carrier can be asked about it.
public struct UncertainShipment: Hashable, Sendable {
    public var id: String
    public var carrier: String
    public var service: String

    public init(id: String, carrier: String, service: String) {
        self.id = id
        self.carrier = carrier
        self.service = service
    }
}
