/// A parsed TOML value as plain Sendable data: the loaders never see TOMLKit's types.
enum TOMLNode: Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// Dates and times are not used by Relais files; kept to name them in errors.
    case dateTime(String)
    case array([TOMLNode])
    case table([String: TOMLNode])

    /// The TOML type name, for "expected …, found …" messages.
    var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "a boolean"
        case .dateTime: "a date"
        case .array: "an array"
        case .table: "a table"
        }
    }
}
