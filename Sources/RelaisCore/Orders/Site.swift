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
    /// The site's own last handover time (`cutoff` in `[[site]]`), site-local: goods ready
    /// later leave with the next pickup, whatever a service's cutoff says. A store hands
    /// parcels over earlier than a warehouse; nil leaves each service's cutoff alone.
    public var cutoff: TimeOfDay?

    public init(
        id: String, name: String, street: [String] = [], postcode: String = "", city: String = "",
        country: String, coordinate: Coordinate?, timeZone: TimeZone, cutoff: TimeOfDay? = nil
    ) {
        self.id = id
        self.name = name
        self.street = street
        self.postcode = postcode
        self.city = city
        self.country = country
        self.coordinate = coordinate
        self.timeZone = timeZone
        self.cutoff = cutoff
    }
}
