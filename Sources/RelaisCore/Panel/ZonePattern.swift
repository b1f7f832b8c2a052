/// A destination pattern of a carrier zone: `"FR"` (a whole country) or `"FR-20*"`
/// (a country and a postcode prefix). The longest matching pattern wins (SPEC §5).
public struct ZonePattern: Hashable, Sendable, CustomStringConvertible {
    public var country: String
    public var postcodePrefix: String

    /// Parses `"CC"` or `"CC-<prefix>*"`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let country = String(parts[0])
        guard country.utf8.count == 2, country.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { return nil }
        self.country = country
        if parts.count == 1 {
            self.postcodePrefix = ""
        } else {
            var prefix = String(parts[1])
            guard prefix.hasSuffix("*") else { return nil }
            prefix.removeLast()
            guard !prefix.isEmpty, !prefix.contains("*"), prefix.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
                return nil
            }
            self.postcodePrefix = prefix
        }
    }

    /// More specific patterns are longer; a country alone is the least specific.
    public var specificity: Int { postcodePrefix.utf8.count }

    @inlinable
    public func matches(_ destination: Destination) -> Bool {
        destination.country == country && destination.postcode.hasPrefix(postcodePrefix)
    }

    public var description: String { postcodePrefix.isEmpty ? country : "\(country)-\(postcodePrefix)*" }
}
