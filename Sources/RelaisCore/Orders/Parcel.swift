/// One box as the warehouse packed it: actual weight and outer dimensions.
public struct Parcel: Hashable, Codable, Sendable {
    public var weightKg: Double
    public var lengthCm: Double
    public var widthCm: Double
    public var heightCm: Double

    public init(weightKg: Double, lengthCm: Double, widthCm: Double, heightCm: Double) {
        self.weightKg = weightKg
        self.lengthCm = lengthCm
        self.widthCm = widthCm
        self.heightCm = heightCm
    }

    /// The longest side, which carriers call the length whatever the packer wrote.
    public var longestSideCm: Double { max(lengthCm, widthCm, heightCm) }

    /// Length + 2 × (width + height), with the length the longest side (SPEC §5).
    /// (The two shorter sides sum to the total less the longest: no sorting, no allocation.)
    public var girthCm: Double {
        let longest = longestSideCm
        return longest + 2 * (lengthCm + widthCm + heightCm - longest)
    }

    /// max(actual, L×W×H / divisor): what the carrier bills.
    public func chargeableWeightKg(volumetricDivisor: Double) -> Double {
        max(weightKg, lengthCm * widthCm * heightCm / volumetricDivisor)
    }

    enum CodingKeys: String, CodingKey {
        case weightKg = "weight_kg", lengthCm = "length_cm", widthCm = "width_cm", heightCm = "height_cm"
    }
}
