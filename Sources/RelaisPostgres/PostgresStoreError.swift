/// Why the PostgreSQL store could not do what it was asked, for the operator.
public struct PostgresStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case timeout
        case badURL
        case credentials
        case lostResult
        case connectionLost
    }

    let code: Code
    public let message: String

    public var description: String { message }

    /// A call did not finish within its deadline (waiting for a connection included).
    public static func timeout(_ operation: String, after deadline: Duration, lastError: String? = nil) -> PostgresStoreError {
        PostgresStoreError(
            code: .timeout,
            message: "PostgreSQL: \(operation) did not finish within \(deadline)\(lastError.map { " (last error: \($0))" } ?? "")")
    }

    /// A write's token is recorded as committed, but its result is not: the store's own
    /// invariant broken (the result is stored in the token's transaction).
    static func lostResult(_ operation: String) -> PostgresStoreError {
        PostgresStoreError(code: .lostResult, message: "PostgreSQL: \(operation) committed, but its recorded result is missing")
    }

    /// A `url` that does not say where the database is.
    public static func badURL(_ url: String, _ why: String) -> PostgresStoreError {
        PostgresStoreError(code: .badURL, message: "store url \(url): \(why)")
    }

    /// The password's credential file cannot be read.
    public static func credentials(_ path: String) -> PostgresStoreError {
        PostgresStoreError(code: .credentials, message: "\(path): cannot read the database password")
    }

    /// The connection a call was using closed under it (see `PostgresStore.untilClosed`).
    public static func connectionLost(_ operation: String) -> PostgresStoreError {
        PostgresStoreError(code: .connectionLost, message: "PostgreSQL: the connection closed during \(operation)")
    }

    public var isTimeout: Bool { code == .timeout }
    public var isConnectionLost: Bool { code == .connectionLost }
}
