import RelaisCore

/// A shipment to create: the orders it carries and the decision made for it.
public struct NewShipment: Sendable {
    public var orderIDs: [String]
    public var site: String
    public var consolidationKey: String
    public var decision: Decision
    /// Parcels and their total actual weight (kg): the emissions report's tonne-km.
    public var parcels: Int
    public var weightKg: Double

    public init(orderIDs: [String], site: String, consolidationKey: String, decision: Decision, parcels: Int, weightKg: Double) {
        self.orderIDs = orderIDs
        self.site = site
        self.consolidationKey = consolidationKey
        self.decision = decision
        self.parcels = parcels
        self.weightKg = weightKg
    }
}
