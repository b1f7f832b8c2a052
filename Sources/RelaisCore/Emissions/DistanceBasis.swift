/// Where the distance behind an emissions figure comes from (SPEC §8).
public enum DistanceBasis: String, Hashable, Sendable, Codable {
    /// Site and recipient both have coordinates: haversine distance × 1.05.
    case greatCircle = "great-circle"
    /// A coordinate is missing: the service's `default_km` for the destination zone.
    case zoneDefault = "zone-default"
}
