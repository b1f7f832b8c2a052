import RelaisCore

/// The greenhouse-gas information of one shipment (Code des transports L1431-3): the
/// figure, the data quality level and the method, with the distance and mass behind it.
public struct GHGReply: Codable, Hashable, Sendable {
    /// kg CO2e, well-to-wheel, to the gram.
    public var co2eKg: Double
    /// 1 (default values) … 4 (measured), as the French GHG information decree numbers them.
    public var dataQuality: Int
    public var method: String
    /// To 0.1 km; null for records older than the field.
    public var distanceKm: Double?
    /// `great-circle` | `zone-default`.
    public var distanceBasis: String?
    public var parcels: Int?
    /// To 0.001 t·km.
    public var tonneKm: Double?

    enum CodingKeys: String, CodingKey {
        case co2eKg = "co2e_kg", dataQuality = "data_quality", method, distanceKm = "distance_km"
        case distanceBasis = "distance_basis", parcels, tonneKm = "tonne_km"
    }

    public init(_ emissions: ShipmentEmissions) {
        co2eKg = (emissions.co2eGrams).rounded() / 1000
        dataQuality = emissions.dataQuality
        method = ShipmentEmissions.method
        distanceKm = emissions.distanceKm.map { ($0 * 10).rounded() / 10 }
        distanceBasis = emissions.distanceBasis?.rawValue
        parcels = emissions.parcels
        tonneKm = emissions.tonneKm.map { ($0 * 1000).rounded() / 1000 }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(co2eKg, forKey: .co2eKg)
        try c.encode(dataQuality, forKey: .dataQuality)
        try c.encode(method, forKey: .method)
        try c.encode(distanceKm, forKey: .distanceKm)
        try c.encode(distanceBasis, forKey: .distanceBasis)
        try c.encode(parcels, forKey: .parcels)
        try c.encode(tonneKm, forKey: .tonneKm)
    }
}
