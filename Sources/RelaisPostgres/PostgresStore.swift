import Foundation
import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

/// Relais's records in PostgreSQL (SPEC §16): the same roles as the SQLite store, on a
/// database that several relaisd nodes share.
///
/// Rules:
/// - **The client is the caller's, and it must run.** The store takes a `PostgresClient`
///   that its owner runs (`client.run()`, or the client added to the daemon's
///   `ServiceGroup`: it is a `Service`). The store never starts tasks of its own, so the
///   pool's lifetime is the service group's and shutdown closes it in order. Bound the
///   pool with `maximumConnections` (``clientConfiguration(url:password:maximumConnections:statementTimeout:)``).
/// - **Every call has a deadline**: the server's `statement_timeout` (set at connect) and,
///   around each operation, `deadline`: a call that takes longer throws
///   ``PostgresStoreError/timeout(_:after:)``; its transaction is rolled back by the server.
/// - **Writes are transactions** (`withTransaction`); a transaction the server aborted for a
///   deadlock or a serialization failure is run again (it changed nothing), at most three
///   times.
/// - **Claims** lock rows with `FOR UPDATE SKIP LOCKED`: two nodes never claim one shipment,
///   and neither waits for the other. Every state change locks its row first.
///
/// - Important: Durability. A write method returns after PostgreSQL's COMMIT, which with the
///   server's defaults (`synchronous_commit = on`, `fsync = on`) is on disk; with a
///   synchronous standby, on the standby too.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// The name this process stamps its claims with (SPEC §16 `node`).
    public let node: String
    /// How long a claim holds without renewal before another node's recovery may take it.
    public let lease: Duration
    /// The longest any one store call may take, waiting for a connection included.
    public let deadline: Duration

    /// A store on a running client. Call ``migrate()`` once before use.
    /// - Parameters:
    ///   - client: a client its owner runs (see the rules above).
    ///   - node: the name claims are stamped with; the host name by default.
    ///   - lease: how long a claim holds without renewal.
    ///   - deadline: the longest one call may take.
    public init(
        client: PostgresClient, node: String, lease: Duration = .seconds(60), deadline: Duration = .seconds(30),
        logger: Logger = Logger(label: "relais.postgres")
    ) {
        self.client = client
        self.node = node
        self.lease = lease
        self.deadline = deadline
        self.logger = logger
    }

    /// A client configuration for `url` (`postgres://user@host:port/db`, or
    /// `postgres://user@/db?host=/run/postgresql` for a Unix socket): a bounded pool, and
    /// the server's `statement_timeout` as the deadline of every statement.
    public static func clientConfiguration(
        url: String, password: String?, maximumConnections: Int = 8, statementTimeout: Duration = .seconds(30)
    ) throws -> PostgresClient.Configuration {
        let location = try PostgresLocation(url: url)
        var configuration: PostgresClient.Configuration
        if let socket = location.socketPath {
            configuration = .init(unixSocketPath: socket, username: location.user, password: password, database: location.database)
        } else {
            configuration = .init(
                host: location.host, port: location.port, username: location.user, password: password, database: location.database,
                tls: .disable)
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(statementTimeout.wholeMilliseconds)"),
            ("lock_timeout", "\(statementTimeout.wholeMilliseconds)"),
        ] + location.parameters
        return configuration
    }

    /// Applies the migrations not yet applied, in one transaction under an advisory lock:
    /// nodes starting together migrate once.
    public func migrate() async throws {
        try await transaction("migrate") { connection, logger in
            // An arbitrary constant: "relais" in ASCII.
            try await connection.query("SELECT pg_advisory_xact_lock(125780361398643)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
            }
        }
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await read("migrations") { connection, logger in
            var names: [String] = []
            for try await name in try await connection.query("SELECT name FROM schema_migrations ORDER BY applied_at, name", logger: logger)
                .decode(String.self)
            {
                names.append(name)
            }
            return names
        }
    }

    // MARK: Calls with a deadline

    /// Runs `body` in a transaction, within the deadline; again if the server aborted it for
    /// a deadlock or a serialization failure.
    func transaction<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let client = self.client
        let logger = self.logger
        return try await withDeadline(operation) {
            var attempt = 1
            while true {
                do {
                    return try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) }
                } catch let error as PostgresTransactionError {
                    let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
                    if attempt < 3, Self.isRetryable(cause) {
                        attempt += 1
                        continue
                    }
                    throw cause
                }
            }
        }
    }

    /// Runs `body` on one connection, outside a transaction, within the deadline.
    func read<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let client = self.client
        let logger = self.logger
        return try await withDeadline(operation) {
            try await client.withConnection { connection in try await body(connection, logger) }
        }
    }

    private func withDeadline<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = self.deadline
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw PostgresStoreError.timeout(operation, after: deadline)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw PostgresStoreError.timeout(operation, after: deadline) }
            return first
        }
    }

    /// The server rolled the transaction back whole, and trying again may pass: a deadlock
    /// (40P01), a serialization failure (40001), a statement or lock that timed out on a
    /// loaded server (57014 query_canceled, 55P03 lock_not_available). Never a lost
    /// connection: a COMMIT's outcome is then unknown.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return ["40P01", "40001", "57014", "55P03"].contains(state)
    }
}

extension PostgresConnection {
    /// Appends to the event log; part of the caller's transaction.
    func recordEvent(
        at now: Int64, kind: EventKind, shipment: String? = nil, order: String? = nil, carrier: String? = nil, actor: Actor,
        detail: String, logger: Logger
    ) async throws {
        let uid = actor.uid.map { Int64($0) }
        try await query(
            """
            INSERT INTO events (at, kind, shipment_id, order_id, carrier, actor, uid, detail)
            VALUES (\(now), \(kind.name), \(shipment), \(order), \(carrier), \(actor.name), \(uid), \(detail))
            """, logger: logger)
    }
}

/// The store's roles: PostgreSQL answers them all but the outbox (not yet ported).
extension PostgresStore: OrderLedger, ShipmentQueue, RecordReader, EventLog, StorageSpace {
    /// The server manages its own disk: a full one answers `53100`, and the stages retry;
    /// nothing here can measure the server's free space.
    public func hasRoomToResume() -> Bool { true }
}

/// PostgreSQL says its disk is full with SQLSTATE `53100` (disk_full).
extension PSQLError: StorageFullReporting {
    public var isStorageFull: Bool { serverInfo?[.sqlState] == "53100" }
}

extension PostgresStore {
    /// The password in `directory/name` (systemd `LoadCredential=`): the file's content,
    /// without its final line break. Never logged.
    public static func password(credential name: String, directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PostgresStoreError.credentials(path)
        }
        var password = Substring(text)
        while let last = password.last, last == "\n" || last == "\r" { password = password.dropLast() }
        return String(password)
    }
}
