import Foundation
import GRDB
import RelaisCore
import RelaisStore

/// Relais's records in one SQLite database: orders, shipments, decisions with every
/// candidate, booking attempts, the event log and the policy versions.
///
/// The narrow interface every stage uses; nothing else touches SQL. (A PostgreSQL store
/// for a shared deployment would implement the same operations, SPEC §12.)
///
/// - Important: Durability. The database runs in WAL mode with `PRAGMA synchronous=FULL`
///   on the writing connection, checked at open: when a write method returns, its
///   transaction is on disk and survives a power cut. GRDB sets NORMAL for WAL databases,
///   which can lose the last transactions on power loss, so the store sets FULL after
///   opening and refuses to run if it does not read back 2.
///
/// Rule: open one store per database file per process (GRDB's rule 1: one DatabasePool
/// per file), and share it.
public final class RecordStore: Sendable {
    public let path: String
    let pool: DatabasePool
    /// The name this process stamps its claims with (SPEC §16 `node`).
    public let node: String
    /// How long a claim holds without renewal before another node's recovery may take it.
    public let lease: Duration
    /// Status counts as of the latest commit (``statusCounts()``).
    let committedCounts = CommittedCounts()

    /// Opens (creating if needed) the database at `path` and migrates it.
    /// - Parameters:
    ///   - node: the name claims are stamped with; the host name by default.
    ///   - lease: how long a claim holds without renewal.
    public init(path: String, node: String = RecordStore.hostName(), lease: Duration = .seconds(60)) throws {
        self.node = node
        self.lease = lease
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var configuration = Configuration()
        configuration.label = "relais"
        configuration.busyMode = .timeout(5)
        self.path = path
        self.pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard level == 2 else { throw StoreError.durability(level) }
            // Statement journals in memory: every statement that fires a trigger (each
            // shipment insert or state change keeps queue_counts) journals the pages it
            // touches, and SQLite spills a journal past 64 KiB to a temporary file. On disk
            // that was 90 KB of writes per booking, more than the WAL and the labels
            // together (BENCHMARKS.md); nothing durable is in them (the WAL is).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        try Schema.migrator.migrate(pool)
        pool.add(transactionObserver: committedCounts, extent: .databaseLifetime)
    }

    /// This machine's host name (`gethostname`), the default node name.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "relais" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "relais" : name
    }

    /// The writing connection's `PRAGMA synchronous` (2 = FULL).
    public func synchronousLevel() throws -> Int { try writerPragma("synchronous") }

    /// The writing connection's value of the integer pragma `name` (`temp_store`: 2 = MEMORY).
    public func writerPragma(_ name: String) throws -> Int {
        try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA \(name)") ?? -1 }
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { try Schema.migrator.appliedMigrations($0) }
    }
}

extension Database {
    /// Appends to the event log; part of the caller's transaction.
    func recordEvent(
        at now: Int64, kind: EventKind, shipment: String? = nil, order: String? = nil, carrier: String? = nil, actor: Actor,
        detail: String
    ) throws {
        try cachedStatement(
            sql: "INSERT INTO events (at, kind, shipment_id, order_id, carrier, actor, uid, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [now, kind.name, shipment, order, carrier, actor.name, actor.uid.map { Int64($0) }, detail])
    }
}

/// The store's roles: SQLite answers them all (`TrackingLog` in RecordStore+Tracking).
extension RecordStore: OrderLedger, ShipmentQueue, RecordReader, EventLog, StorageSpace, OutboxLog {}
