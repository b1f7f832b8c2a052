/// Why the PostgreSQL store could not do what it was asked, for the operator.
public struct PostgresStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case timeout
        case badURL
        case credentials
    }

    let code: Code
    public let message: String

    public var description: String { message }

    /// A call did not finish within its deadline (waiting for a connection included).
    public static func timeout(_ operation: String, after deadline: Duration) -> PostgresStoreError {
        PostgresStoreError(code: .timeout, message: "PostgreSQL: \(operation) did not finish within \(deadline)")
    }

    /// A `url` that does not say where the database is.
    public static func badURL(_ url: String, _ why: String) -> PostgresStoreError {
        PostgresStoreError(code: .badURL, message: "store url \(url): \(why)")
    }

    /// The password's credential file cannot be read.
    public static func credentials(_ path: String) -> PostgresStoreError {
        PostgresStoreError(code: .credentials, message: "\(path): cannot read the database password")
    }

    public var isTimeout: Bool { code == .timeout }
}
