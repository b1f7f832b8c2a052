/// A day of the week, Monday first as in ISO 8601 and in French business usage.
public enum Weekday: Int, CaseIterable, Sendable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// The three-letter English abbreviation used in carrier files: `mon` … `sun`.
    public var abbreviation: String {
        switch self {
        case .monday: "mon"
        case .tuesday: "tue"
        case .wednesday: "wed"
        case .thursday: "thu"
        case .friday: "fri"
        case .saturday: "sat"
        case .sunday: "sun"
        }
    }

    public init?(abbreviation: String) {
        guard let day = Weekday.allCases.first(where: { $0.abbreviation == abbreviation.lowercased() }) else {
            return nil
        }
        self = day
    }
}
