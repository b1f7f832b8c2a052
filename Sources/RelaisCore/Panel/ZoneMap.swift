/// A carrier's destination zones (`[zones]` of carrier.toml), matched longest pattern first.
///
/// Zones are referred to by index (``ZoneID``) on the decision's hot path; names are for
/// files and explanations.
public struct ZoneMap: Hashable, Sendable {
    /// Zone names in the order they were declared; a ``ZoneID`` indexes this array.
    public let names: [String]
    /// Every pattern with its zone, most specific first.
    private let patterns: [(pattern: ZonePattern, zone: ZoneID)]

    /// - Precondition: no pattern appears twice (the loader reports that as an error).
    public init(_ zones: [(name: String, patterns: [ZonePattern])]) {
        self.names = zones.map(\.name)
        var all: [(pattern: ZonePattern, zone: ZoneID)] = []
        for (index, zone) in zones.enumerated() {
            for pattern in zone.patterns { all.append((pattern, ZoneID(index))) }
        }
        // Stable: equally specific patterns cannot both match one destination unless equal.
        self.patterns = all.enumerated().sorted {
            ($0.element.pattern.specificity, -$0.offset) > ($1.element.pattern.specificity, -$1.offset)
        }.map(\.element)
    }

    /// The zone whose longest pattern matches, or nil (the `coverage` reason).
    public func zone(for destination: Destination) -> ZoneID? {
        for entry in patterns where entry.pattern.matches(destination) { return entry.zone }
        return nil
    }

    public func id(named name: String) -> ZoneID? { names.firstIndex(of: name).map(ZoneID.init) }

    public func name(of zone: ZoneID) -> String { names[zone.index] }

    public static func == (lhs: ZoneMap, rhs: ZoneMap) -> Bool {
        lhs.names == rhs.names && lhs.patterns.map(\.pattern) == rhs.patterns.map(\.pattern)
            && lhs.patterns.map(\.zone) == rhs.patterns.map(\.zone)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(names) }
}

/// A zone of one carrier, by its declaration index.
public struct ZoneID: Hashable, Sendable {
    public let index: Int
    public init(_ index: Int) { self.index = index }
}
