/// A service's price grid (the rate CSV): weight bands by upper bound, one column per zone,
/// prices before fuel surcharge. A missing cell means "not served" (the `rate` reason).
public struct RateTable: Hashable, Sendable {
    /// Upper bounds of the weight bands in kg, strictly ascending.
    public let bandMaxKg: [Double]
    /// `cells[band][zone.index]`.
    public let cells: [[Money?]]

    /// - Precondition: `bandMaxKg` is strictly ascending and every row has one cell per zone.
    public init(bandMaxKg: [Double], cells: [[Money?]]) {
        precondition(bandMaxKg.count == cells.count)
        self.bandMaxKg = bandMaxKg
        self.cells = cells
    }

    /// The price of the first band whose upper bound is at least `weightKg`, or nil when
    /// the weight is above every band or the cell is empty.
    @inlinable
    public func price(zone: ZoneID, chargeableWeightKg weightKg: Double) -> Money? {
        for (band, maxKg) in bandMaxKg.enumerated() where weightKg <= maxKg {
            let row = cells[band]
            return zone.index < row.count ? row[zone.index] : nil
        }
        return nil
    }
}
