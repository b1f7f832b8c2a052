import Foundation

/// Where the database is, read from a `postgres://` URL (SPEC §16 `url`): never the
/// password, which comes from a credentials file.
///
/// `postgres://relais@db.example:5432/relais` (TCP), `postgres://relais@/relais?host=/run/postgresql`
/// (a Unix socket directory, as libpq reads it), and `?options` kept as startup parameters
/// (`search_path`, `application_name`).
public struct PostgresLocation: Sendable, Hashable {
    public var user: String
    public var host: String
    public var port: Int
    /// The socket file (`<dir>/.s.PGSQL.<port>`) when the URL names a socket directory.
    public var socketPath: String?
    public var database: String?
    /// Startup parameters from the query string, other than `host` and `port`.
    public var parameters: [(String, String)]

    public init(url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw PostgresStoreError.badURL(url, "not a postgres:// URL")
        }
        guard let user = components.user, !user.isEmpty else { throw PostgresStoreError.badURL(url, "no user (postgres://USER@host/db)") }
        if components.password != nil {
            throw PostgresStoreError.badURL(url, "the password belongs in the credentials file, not in the URL")
        }
        self.user = user
        var port = components.port ?? 5432
        var socketDirectory: String?
        var parameters: [(String, String)] = []
        for item in components.queryItems ?? [] {
            switch item.name {
            case "host": socketDirectory = item.value
            case "port":
                guard let value = item.value.flatMap(Int.init) else { throw PostgresStoreError.badURL(url, "port is not a number") }
                port = value
            default: parameters.append((item.name, item.value ?? ""))
            }
        }
        self.port = port
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        if let directory = socketDirectory, directory.hasPrefix("/") {
            self.socketPath = "\(directory)/.s.PGSQL.\(port)"
        } else {
            self.socketPath = nil
            if let name = socketDirectory { self.host = name }
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        self.parameters = parameters
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.user == rhs.user && lhs.host == rhs.host && lhs.port == rhs.port && lhs.socketPath == rhs.socketPath
            && lhs.database == rhs.database && lhs.parameters.map { "\($0)=\($1)" } == rhs.parameters.map { "\($0)=\($1)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(user)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(socketPath)
        hasher.combine(database)
    }
}
