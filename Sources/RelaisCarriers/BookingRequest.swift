import RelaisCore

/// What a carrier is asked to book: the shipment, the service chosen for it, and our
/// reference, which is the shipment id and the carrier's idempotency key where it has one.
public struct BookingRequest: Sendable {
    public var reference: String
    public var service: String
    public var shipment: Shipment
    /// Seconds since the Unix epoch: the ship date and hour sent to the carrier.
    public var now: Int64

    public init(reference: String, service: String, shipment: Shipment, now: Int64) {
        self.reference = reference
        self.service = service
        self.shipment = shipment
        self.now = now
    }
}
