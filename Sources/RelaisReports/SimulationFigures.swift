import RelaisCore

/// What one side of a replay (what was recorded, or what the new policy would do) adds up
/// to over the shipments replayed.
///
/// Sums are exact (integer minor units and cost units); means are rounded once, half-up,
/// when read.
public struct SimulationFigures: Hashable, Sendable {
    /// Shipments given a service.
    public var carried = 0
    /// Shipments nothing could carry (held by the decision).
    public var held = 0
    /// Carried knowing they would miss the promise (`fastest`).
    public var late = 0
    public var price = Money.zero
    /// Generalised cost (SPEC §7.3) at the new policy's prices, both sides alike.
    public var cost = Cost(units: 0)
    public var leadDays = 0
    public var co2eGrams = 0.0

    public init() {}

    mutating func addCarried(price: Money, cost: Cost, leadDays: Int, co2eGrams: Double, late: Bool) {
        carried += 1
        self.price = self.price + price
        self.cost = Cost(units: self.cost.units + cost.units)
        self.leadDays += leadDays
        self.co2eGrams += co2eGrams
        if late { self.late += 1 }
    }

    public var meanPrice: Money? {
        carried == 0 ? nil : Money(minorUnits: FixedPoint.divideRoundingHalfUp(price.minorUnits, by: Int64(carried)))
    }

    public var meanCost: Cost? {
        carried == 0 ? nil : Cost(units: FixedPoint.divideRoundingHalfUp(cost.units, by: Int64(carried)))
    }

    public var meanLeadDays: Double? { carried == 0 ? nil : Double(leadDays) / Double(carried) }

    /// Late shipments over carried shipments, 0…1.
    public var shareLate: Double? { carried == 0 ? nil : Double(late) / Double(carried) }

    public var meanCO2eGrams: Double? { carried == 0 ? nil : co2eGrams / Double(carried) }
}
