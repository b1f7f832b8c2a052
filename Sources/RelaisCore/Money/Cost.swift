/// The generalised cost of a candidate (SPEC §7.3), in ten-thousandths of the policy
/// currency: `price + per_day × lead_days + per_kg_co2e × co2e_g / 1000`.
///
/// - Important: The cost is rounded once, half-up, to four decimals, and candidates are
///   ranked on that rounded figure, so the ranking never depends on a digit the decision
///   record does not show.
public struct Cost: Hashable, Comparable, Sendable {
    /// Units of 10^-4 of the policy currency.
    public var units: Int64

    @inlinable
    public init(units: Int64) { self.units = units }

    /// Computes the cost exactly in micro-units, then rounds to 10^-4 half-up.
    @inlinable
    public init(price: Money, perDay: PriceRate, leadDays: Int, perKgCO2e: PriceRate, co2eGrams: Double) {
        // price: cents → micros; carbon: micros per kg × kg, rounded to the micro once.
        let carbonMicros = Int64((Double(perKgCO2e.micros) * co2eGrams / 1000).rounded())
        let micros = price.minorUnits * 10_000 + perDay.micros * Int64(leadDays) + carbonMicros
        self.units = FixedPoint.divideRoundingHalfUp(micros, by: 100)
    }

    @inlinable
    public static func < (lhs: Cost, rhs: Cost) -> Bool { lhs.units < rhs.units }
}

extension Cost: CustomStringConvertible {
    /// `"9.9284"`: always four decimals.
    public var description: String { FixedPoint.format(units, scale: 4) }
}
