/// A carrier's fleet as emissions see it (`[fleet]` of carrier.toml, SPEC §8).
public struct Fleet: Hashable, Sendable {
    /// Hub-to-hub road transport, gCO2e per tonne-km, well-to-wheel.
    public var linehaulGramsPerTonneKm: Double
    /// Sorting and handling, gCO2e per parcel.
    public var hubGramsPerParcel: Double
    /// Last-mile vehicles with their share of deliveries; shares sum to 1.
    public var lastMile: [LastMileVehicle]
    /// 1 (default values) … 4 (measured), as in the French GHG information decree.
    public var dataQuality: Int

    public init(
        linehaulGramsPerTonneKm: Double, hubGramsPerParcel: Double, lastMile: [LastMileVehicle], dataQuality: Int
    ) {
        self.linehaulGramsPerTonneKm = linehaulGramsPerTonneKm
        self.hubGramsPerParcel = hubGramsPerParcel
        self.lastMile = lastMile
        self.dataQuality = dataQuality
        self.lastMileGramsPerParcel = lastMile.reduce(0) { $0 + $1.share * $1.gramsPerParcel }
    }

    /// Σ share × g_per_parcel, computed once.
    public private(set) var lastMileGramsPerParcel: Double

    /// Vehicles that actually deliver (share > 0): what a `fleet` constraint is checked on.
    public var vehiclesInUse: [String] { lastMile.filter { $0.share > 0 }.map(\.vehicle) }

    /// gCO2e of one parcel of `massTonnes` carried `km` (SPEC §8).
    @inlinable
    public func gramsPerParcel(km: Double, massTonnes: Double) -> Double {
        linehaulGramsPerTonneKm * km * massTonnes + hubGramsPerParcel + lastMileGramsPerParcel
    }
}

/// One kind of last-mile vehicle and its share of a carrier's deliveries.
public struct LastMileVehicle: Hashable, Sendable {
    public var vehicle: String
    public var share: Double
    public var gramsPerParcel: Double

    public init(vehicle: String, share: Double, gramsPerParcel: Double) {
        self.vehicle = vehicle
        self.share = share
        self.gramsPerParcel = gramsPerParcel
    }
}
