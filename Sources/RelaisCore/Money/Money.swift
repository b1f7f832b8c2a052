/// An amount of money in minor units (cents): prices, rates, order values.
///
/// - Important: Money is never a `Double`. Amounts are integers of the currency's
///   hundredths; every rounding is explicit, half-up, and done once (``rounded(_:scale:)``).
public struct Money: Hashable, Comparable, Sendable {
    public var minorUnits: Int64

    @inlinable
    public init(minorUnits: Int64) { self.minorUnits = minorUnits }

    public static let zero = Money(minorUnits: 0)

    /// Parses a plain decimal such as `"59.90"`, `"12"` or `"0.5"`; nil for anything with
    /// more than two decimals, a sign other than a leading `-`, or exponent notation.
    public init?(decimal text: some StringProtocol) {
        guard let units = FixedPoint.parse(text, scale: 2, allowExcessDigits: false) else { return nil }
        self.minorUnits = units
    }

    @inlinable
    public static func + (lhs: Money, rhs: Money) -> Money { Money(minorUnits: lhs.minorUnits + rhs.minorUnits) }

    @inlinable
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }
}

extension Money: CustomStringConvertible {
    /// `"9.32"`: always two decimals, no currency, no grouping.
    public var description: String { FixedPoint.format(minorUnits, scale: 2) }
}

/// Integer fixed-point helpers shared by ``Money``, ``PriceRate`` and ``Cost``.
public enum FixedPoint {
    /// 10^scale for the scales used here (0...9).
    @inlinable
    public static func unit(_ scale: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<scale { value *= 10 }
        return value
    }

    /// Integer division rounding half away from zero (half-up for positive amounts).
    @inlinable
    public static func divideRoundingHalfUp(_ numerator: Int64, by denominator: Int64) -> Int64 {
        precondition(denominator > 0)
        if numerator >= 0 {
            return (numerator + denominator / 2) / denominator
        }
        return -((-numerator + denominator / 2) / denominator)
    }

    /// Parses a decimal string into units of 10^-scale. With `allowExcessDigits`, further
    /// digits are rounded half-up; without, they make the text invalid.
    public static func parse(_ text: some StringProtocol, scale: Int, allowExcessDigits: Bool) -> Int64? {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        var integer: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundUp = false
        var seenDot = false
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            digits += 1
            if !seenDot {
                guard integer < 100_000_000_000 else { return nil }  // far beyond any price
                integer = integer * 10 + digit
            } else if fractionDigits < scale {
                fraction = fraction * 10 + digit
                fractionDigits += 1
            } else {
                guard allowExcessDigits else { return nil }
                if fractionDigits == scale {
                    roundUp = digit >= 5
                    fractionDigits += 1
                }
            }
        }
        guard digits > 0 else { return nil }
        for _ in min(fractionDigits, scale)..<scale { fraction *= 10 }
        var units = integer * unit(scale) + fraction + (roundUp ? 1 : 0)
        if negative { units = -units }
        return units
    }

    /// Formats units of 10^-scale with exactly `scale` decimals.
    public static func format(_ units: Int64, scale: Int) -> String {
        let base = unit(scale)
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(base)
        var text = (units < 0 ? "-" : "") + String(whole)
        if scale > 0 {
            let fraction = String(magnitude % UInt64(base))
            text += "." + String(repeating: "0", count: scale - fraction.count) + fraction
        }
        return text
    }
}
