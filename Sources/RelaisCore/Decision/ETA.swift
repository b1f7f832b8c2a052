/// Estimated delivery dates at the three published percentiles.
public struct ETA: Hashable, Sendable {
    public var p50: CivilDate
    public var p90: CivilDate
    public var p99: CivilDate

    public init(p50: CivilDate, p90: CivilDate, p99: CivilDate) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
    }

    public subscript(percentile: Percentile) -> CivilDate {
        switch percentile {
        case .p50: p50
        case .p90: p90
        case .p99: p99
        }
    }
}
