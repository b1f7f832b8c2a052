/// Transit time from pickup to delivery in delivery days, at three percentiles.
public struct TransitTimes: Hashable, Sendable {
    public var p50: Int
    public var p90: Int
    public var p99: Int

    /// p90 and p99 default to p50 (SPEC §5).
    public init(p50: Int, p90: Int? = nil, p99: Int? = nil) {
        self.p50 = p50
        self.p90 = p90 ?? p50
        self.p99 = p99 ?? p90 ?? p50
    }

    public subscript(percentile: Percentile) -> Int {
        switch percentile {
        case .p50: p50
        case .p90: p90
        case .p99: p99
        }
    }
}

/// The ETA percentiles carriers publish and policies promise on.
public enum Percentile: String, CaseIterable, Codable, Sendable {
    case p50, p90, p99
}
