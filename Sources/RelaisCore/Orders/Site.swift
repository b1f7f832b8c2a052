import Foundation

/// A place parcels leave from: a warehouse or a store (`[[site]]` in relais.toml).
public struct Site: Hashable, Sendable {
    public var id: String
    public var name: String
    public var street: [String]
    public var postcode: String
    public var city: String
    public var country: String
    public var coordinate: Coordinate?
    /// The site's wall clock: cutoffs and ready dates are read on it.
    public var timeZone: TimeZone

    public init(
        id: String, name: String, street: [String] = [], postcode: String = "", city: String = "",
        country: String, coordinate: Coordinate?, timeZone: TimeZone
    ) {
        self.id = id
        self.name = name
        self.street = street
        self.postcode = postcode
        self.city = city
        self.country = country
        self.coordinate = coordinate
        self.timeZone = timeZone
    }
}
