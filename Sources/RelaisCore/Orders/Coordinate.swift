import Foundation

/// A WGS 84 position in decimal degrees.
public struct Coordinate: Hashable, Codable, Sendable {
    public var lat: Double
    public var lon: Double

    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }

    /// Mean Earth radius used for great-circle distances (SPEC §8).
    public static let earthRadiusKm = 6371.0

    /// Great-circle distance by the haversine formula, R = 6371 km.
    public func haversineKm(to other: Coordinate) -> Double {
        let toRadians = Double.pi / 180
        let dLat = (other.lat - lat) * toRadians
        let dLon = (other.lon - lon) * toRadians
        let a = sin(dLat / 2) * sin(dLat / 2)
            + cos(lat * toRadians) * cos(other.lat * toRadians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * Coordinate.earthRadiusKm * asin(min(1, sqrt(a)))
    }
}
