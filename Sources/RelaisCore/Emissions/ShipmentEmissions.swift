/// The greenhouse-gas figure of one shipment's transport, as a transport organiser owes it
/// to its customer (Code des transports L1431-3; décret 2017-639): the quantity, the data
/// quality level it rests on, and the method.
public struct ShipmentEmissions: Hashable, Sendable {
    /// Well-to-wheel, grams CO2e, summed over the parcels (SPEC §8).
    public var co2eGrams: Double
    /// 1 (default values) … 4 (measured), from the carrier's `[fleet]`.
    public var dataQuality: Int
    /// The distance the figure was computed on; nil for records older than the field.
    public var distanceKm: Double?
    public var distanceBasis: DistanceBasis?
    public var parcels: Int?
    /// Total actual weight, kg.
    public var weightKg: Double?

    public init(
        co2eGrams: Double, dataQuality: Int, distanceKm: Double?, distanceBasis: DistanceBasis?, parcels: Int?,
        weightKg: Double?
    ) {
        self.co2eGrams = co2eGrams
        self.dataQuality = dataQuality
        self.distanceKm = distanceKm
        self.distanceBasis = distanceBasis
        self.parcels = parcels
        self.weightKg = weightKg
    }

    /// Tonne-kilometres: every parcel's actual mass carried the distance.
    public var tonneKm: Double? {
        guard let distanceKm, let weightKg else { return nil }
        return distanceKm * weightKg / 1000
    }

    /// How Relais computes the figure, as reports and `relaisctl show` state it.
    public static let method =
        "ISO 14083 / GLEC well-to-wheel, per parcel: linehaul gCO2e/t·km × km × actual t + hub g/parcel + last-mile g/parcel by vehicle share; km = great-circle × 1.05, or the service's default_km for the zone"
}
