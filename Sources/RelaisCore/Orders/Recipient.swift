/// Who receives the parcel and where.
///
/// - Important: Names, streets, phones and e-mails are personal data: log them only at
///   debug level (STYLE.md, Logging).
public struct Recipient: Hashable, Codable, Sendable {
    public var name: String
    public var company: String?
    public var street: [String]
    public var postcode: String
    public var city: String
    /// ISO 3166-1 alpha-2, upper case.
    public var country: String
    public var phone: String?
    public var email: String?
    public var coordinate: Coordinate?

    public init(
        name: String, company: String? = nil, street: [String], postcode: String, city: String,
        country: String, phone: String? = nil, email: String? = nil, coordinate: Coordinate? = nil
    ) {
        self.name = name
        self.company = company
        self.street = street
        self.postcode = postcode
        self.city = city
        self.country = country
        self.phone = phone
        self.email = email
        self.coordinate = coordinate
    }

    /// The key zone patterns are matched against: `"FR-75011"`.
    public var destination: Destination { Destination(country: country, postcode: postcode) }
}
