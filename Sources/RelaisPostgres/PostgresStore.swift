import Foundation
import Logging
import PostgresNIO
import Synchronization
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
///   pool with `maximumConnections` (``clientConfiguration(url:password:maximumConnections:statementTimeout:applicationName:)``).
/// - **Every call has a deadline**: the server's `statement_timeout` (set at connect) and,
///   around each operation, `deadline`: a call that takes longer throws
///   ``PostgresStoreError/timeout(_:after:)``; its transaction is rolled back by the server.
/// - **Writes are transactions** (BEGIN … COMMIT on one connection), **idempotent**: a transaction the server
///   aborted (deadlock, serialization failure, timeout under load) or whose connection was
///   lost (the backend terminated, the network cut) is run again with a backoff until the
///   deadline; each write carries a token, so that a COMMIT whose answer was lost is never
///   written twice (``transaction(_:token:_:)``). Reads are retried alike.
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
    /// the server's `statement_timeout` as the deadline of every statement; its connections
    /// named `applicationName` in `pg_stat_activity` (relaisd: `relaisd <node>`).
    public static func clientConfiguration(
        url: String, password: String?, maximumConnections: Int = 8, statementTimeout: Duration = .seconds(30),
        applicationName: String = "relais"
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
            ("application_name", applicationName),
        ] + location.parameters
        return configuration
    }

    /// Applies the migrations not yet applied, in one transaction under an advisory lock
    /// of the schema: nodes starting together migrate once.
    public func migrate() async throws {
        try await plainTransaction("migrate") { connection, logger in
            // One lock per schema: nodes sharing a schema migrate one after the other, and
            // deployments (or tests) in other schemas of the database do not wait for them.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('relais:' || current_schema()))", logger: logger)
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

    // MARK: Calls with a deadline, retried

    /// Runs `body` in a transaction, within the deadline, as one idempotent write: retried
    /// (see ``retrying(_:_:)``) under one token, so that a retry after a COMMIT whose
    /// answer was lost returns the first attempt's stored result instead of writing again.
    ///
    /// The token is inserted first: a retry's insert of the same token waits on its key
    /// until the first attempt's transaction has resolved (committed: the retry finds its
    /// result; rolled back: the retry runs the body). The result is stored last, in the same
    /// transaction.
    func transaction<T: Codable & Sendable>(
        _ operation: String, token: String = UUID().uuidString,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let node = self.node
        return try await plainTransaction(operation) { connection, logger in
            guard try await connection.takeWriteToken(token, node: node, logger: logger) else {
                // An earlier attempt committed, and its answer was lost with its connection.
                guard let stored = try await connection.query("SELECT result FROM write_tokens WHERE token = \(token)", logger: logger)
                    .collect().first?.decode(String?.self)
                else { throw PostgresStoreError.lostResult(operation) }
                logger.notice("PostgreSQL: \(operation) had committed before its connection was lost: its result is used, not written twice")
                return try JSONDecoder().decode(T.self, from: Data(stored.utf8))
            }
            let result = try await body(connection, logger)
            let encoded = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
            try await connection.query("UPDATE write_tokens SET result = \(encoded) WHERE token = \(token)", logger: logger)
            return result
        }
    }

    /// A write that returns nothing, idempotent as above: the token alone says that it
    /// committed, so no result is stored (one statement fewer).
    func transaction(
        _ operation: String, token: String = UUID().uuidString,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Void
    ) async throws {
        let node = self.node
        try await plainTransaction(operation) { connection, logger in
            guard try await connection.takeWriteToken(token, node: node, logger: logger) else {
                logger.notice("PostgreSQL: \(operation) had committed before its connection was lost: not written twice")
                return
            }
            try await body(connection, logger)
        }
    }

    /// Runs `body` in a transaction, retried as ``retrying(_:_:)`` says, without a token:
    /// only for a body that is idempotent by itself (the migrations, under their lock).
    ///
    /// BEGIN, the body and COMMIT run under ``untilClosed(_:_:_:)``: a connection that closes
    /// under them ends the attempt at once.
    func plainTransaction<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let client = self.client
        let logger = self.logger
        return try await retrying(operation) {
            try await client.withConnection { connection in
                try await Self.untilClosed(connection, operation) {
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let result = try await body(connection, logger)
                        try await connection.query("COMMIT", logger: logger)
                        return result
                    } catch {
                        // Rolled back even when the caller was cancelled (a task of its own,
                        // not cancelled with this one); a connection that cannot roll back is
                        // closed: it must never go back to the pool inside a transaction,
                        // holding locks, for the next borrower's COMMIT to commit.
                        let rolledBack = await Task { (try? await connection.query("ROLLBACK", logger: logger)) != nil }.value
                        if !rolledBack { try? await connection.close() }
                        throw error
                    }
                }
            }
        }
    }

    /// Runs `body` on one connection, outside a transaction, within the deadline; retried
    /// as ``retrying(_:_:)`` says (a read changes nothing).
    func read<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let client = self.client
        let logger = self.logger
        return try await retrying(operation) {
            try await client.withConnection { connection in
                try await Self.untilClosed(connection, operation) { try await body(connection, logger) }
            }
        }
    }

    /// Runs `body`, which uses `connection`, and returns its result, or throws
    /// ``PostgresStoreError/connectionLost(_:)`` as soon as the connection closes. A
    /// cancelled caller cancels the body and waits for it.
    ///
    /// Why: with PostgresNIO 1.33, a query whose connection is closed under it (its backend
    /// terminated, the server failing over) can wait forever, cancellation included; the
    /// store would hang with it. The body runs in a task of its own that is cancelled and
    /// left behind: it holds nothing but the dead connection, which the pool never lends
    /// again. A body is never left behind on a live connection: the next lender of that
    /// connection would share it.
    static func untilClosed<T: Sendable>(
        _ connection: PostgresConnection, _ operation: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.start(continuation)
                race.run(
                    Task {
                        do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
                    })
                connection.closeFuture.whenComplete { _ in race.finish(.failure(PostgresStoreError.connectionLost(operation))) }
            }
        } onCancel: {
            // Not left behind: the connection is still open, and goes back to the pool only
            // once the body is done with it.
            race.cancelWork()
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or the deadline passes: an error
    /// ``isRetryable(_:)`` calls transient is logged and the attempt made again after a
    /// backoff (50 ms doubling to 1 s, with jitter). The deadline covers every attempt; when
    /// it passes, ``PostgresStoreError/timeout(_:after:lastError:)`` names the last error.
    func retrying<T: Sendable>(_ operation: String, _ attempt: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = self.deadline
        let logger = self.logger
        let lastError = LastError()
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask {
                var backoff = Duration.milliseconds(50)
                while true {
                    do {
                        return try await attempt()
                    } catch where Self.isRetryable(error) && !Task.isCancelled {
                        let described = Self.describe(error)
                        lastError.text.withLock { $0 = described }
                        logger.warning("PostgreSQL: \(operation) failed, retrying in \(backoff): \(described)")
                        try await Task.sleep(for: backoff * Double.random(in: 0.5...1.5))
                        backoff = min(backoff * 2, .seconds(1))
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw PostgresStoreError.timeout(operation, after: deadline, lastError: lastError.text.withLock { $0 })
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw PostgresStoreError.timeout(operation, after: deadline) }
            return first
        }
    }

    /// Whether trying again may pass, and cannot write twice:
    /// - the server rolled the transaction back whole: a deadlock (40P01), a serialization
    ///   failure (40001), a statement or lock that timed out on a loaded server (57014
    ///   query_canceled, 55P03 lock_not_available), too many connections (53300);
    /// - the connection was lost: closed or reset, its backend terminated (57P01
    ///   admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, class 08). A
    ///   transaction cut off before its COMMIT was rolled back; one cut off during its
    ///   COMMIT is ambiguous, and the write token settles it (``transaction(_:token:_:)``);
    ///   ``PostgresStoreError/connectionLost(_:)`` is this store's own word for it.
    static func isRetryable(_ error: any Error) -> Bool {
        if let error = error as? PostgresStoreError { return error.isConnectionLost }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        // PostgresNIO says clientClosedConnection for a query sent on a connection it has
        // already seen closed; the pool, once closed, says poolClosed.
        case .serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection: return true
        case .server:
            guard let state = error.serverInfo?[.sqlState] else { return false }
            return ["40P01", "40001", "57014", "55P03", "53300", "57P01", "57P02", "57P03"].contains(state) || state.hasPrefix("08")
        default: return false
        }
    }

    /// Whether an error that reached relaisd is one to ride out (log, back off, go on) rather
    /// than stop for: anything from the server or the connection but a configuration or
    /// schema error (authentication 28, unknown database 3D or schema 3F, undefined table or
    /// column and missing privilege 42, unsupported feature 0A, TLS or authentication
    /// method not supported), and a call that missed its deadline.
    public static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? PostgresStoreError { return error.isTimeout || error.isConnectionLost }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest, .unsupportedAuthMechanism,
            .authMechanismRequiresPassword, .saslError, .poolClosed:
            return false
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return !["28", "3D", "3F", "42", "0A"].contains(String(state.prefix(2)))
        default:
            return true
        }
    }

    /// An error as an operator reads it. PostgresNIO's own description is deliberately
    /// vague (its debug form would quote the query); its code, SQLSTATE and the server's
    /// message say what happened without any value.
    public static func describe(_ error: any Error) -> String {
        guard let psql = error as? PSQLError else { return "\(error)" }
        let state = psql.serverInfo?[.sqlState] ?? "-"
        let message = psql.serverInfo?[.message] ?? ""
        return "PostgreSQL \(psql.code) (SQLSTATE \(state))\(message.isEmpty ? "" : ": \(message)")"
    }

    /// Forgets the write tokens older than an hour: a retry comes within seconds.
    public func pruneWriteTokens() async throws {
        try await read("prune write tokens") { connection, logger in
            _ = try await connection.query("DELETE FROM write_tokens WHERE written_at < now() - interval '1 hour'", logger: logger)
        }
    }
}

/// The first of a body's result, its connection's closing and its caller's cancellation:
/// resumes the caller once, and cancels the body's task when it lost.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var work: Task<Void, Never>?
        var resumed = false
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            guard let result = state.result else {
                state.continuation = continuation
                return nil
            }
            state.resumed = true
            return result
        }
        if let early { continuation.resume(with: early) }
    }

    func run(_ work: Task<Void, Never>) {
        let finished = state.withLock { state in
            state.work = work
            return state.resumed
        }
        if finished { work.cancel() }
    }

    func cancelWork() {
        state.withLock { $0.work }?.cancel()
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, work) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?) in
            guard !state.resumed else { return (nil, nil) }
            guard let continuation = state.continuation else {
                if state.result == nil { state.result = result }
                return (nil, nil)
            }
            state.resumed = true
            state.continuation = nil
            return (continuation, state.work)
        }
        continuation?.resume(with: result)
        work?.cancel()
    }
}

/// The last transient error of a call being retried, for the timeout's message.
private final class LastError: Sendable {
    let text = Mutex<String?>(nil)
}

extension PostgresConnection {
    /// Inserts a write's token, first in its transaction; false when it is there already: an
    /// earlier attempt of the write committed. A retry's insert waits on the key until the
    /// first attempt's transaction has resolved.
    func takeWriteToken(_ token: String, node: String, logger: Logger) async throws -> Bool {
        let inserted = try await query(
            "INSERT INTO write_tokens (token, node) VALUES (\(token), \(node)) ON CONFLICT (token) DO NOTHING RETURNING token",
            logger: logger
        ).collect()
        return !inserted.isEmpty
    }
}

/// The store's roles: PostgreSQL answers them all, and says which node holds which claims
/// (``SharedQueue``). The outbox, tracking, cancels, manifests and returns are in files of
/// their own (`PostgresStore+Outbox.swift`, `+Tracking`, `+Cancels`, `+Manifests`, `+Returns`).
extension PostgresStore: OrderLedger, ShipmentQueue, SharedQueue, RecordReader, EventLog, StorageSpace {
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
