/// A policy price: what one unit of a criterion is worth (`per_day = 0.60`,
/// `per_kg_co2e = 0.10`), in millionths of the policy currency.
///
/// Policies are written by people in TOML, whose numbers are binary floating point; the
/// value is rounded once to the micro-unit at load, which is finer than any price a
/// logistics manager writes, so every later computation is exact integer arithmetic.
public struct PriceRate: Hashable, Comparable, Sendable {
    public var micros: Int64

    @inlinable
    public init(micros: Int64) { self.micros = micros }

    /// Rounds `value` to the nearest millionth.
    public init(_ value: Double) { self.micros = Int64((value * 1_000_000).rounded()) }

    public static let zero = PriceRate(micros: 0)

    public static func < (lhs: PriceRate, rhs: PriceRate) -> Bool { lhs.micros < rhs.micros }
}

extension PriceRate: CustomStringConvertible {
    /// The shortest decimal that states the rate exactly (`"0.6"`, `"0.125"`).
    public var description: String {
        var text = FixedPoint.format(micros, scale: 6)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
