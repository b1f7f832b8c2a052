/// Where a shipment goes, as zone patterns see it: a country and a postcode.
public struct Destination: Hashable, Sendable, CustomStringConvertible {
    public var country: String
    public var postcode: String

    public init(country: String, postcode: String) {
        self.country = country
        self.postcode = postcode
    }

    /// `"FR-75011"`.
    public var description: String { "\(country)-\(postcode)" }
}
