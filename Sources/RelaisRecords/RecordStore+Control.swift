import CRelaisSystem
import Foundation
import GRDB
import RelaisCore
import RelaisStore

extension RecordStore {
    /// A shipment's carrier calls, oldest first.
    public func attempts(shipment id: String) async throws -> [AttemptRecord] {
        try await quickRead { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM booking_attempts WHERE shipment_id = ? ORDER BY id"), arguments: [id]
            ).map { row in
                AttemptRecord(
                    carrier: row["carrier"], service: row["service"], startedAt: row["started_at"],
                    finishedAt: row["finished_at"], outcome: row["outcome"], failureClass: row["failure_class"],
                    httpStatus: row["http_status"], durationMilliseconds: row["duration_ms"],
                    trackingNumber: row["tracking_number"], detail: row["detail"])
            }
        }
    }

    /// Orders accepted and not yet in a shipment.
    public func pendingOrderCount() async throws -> Int {
        try await quickRead { try Self.pendingOrderCount($0) }
    }

    static func pendingOrderCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM orders WHERE shipment_id IS NULL")) ?? 0
    }

    /// What `GET /v1/status` counts, in one read: one snapshot, one reader's transaction
    /// instead of three, each statement prepared once per connection. Status is what a
    /// monitoring agent asks every few seconds, while booking keeps both cores busy. Read
    /// again only after a commit (``CommittedCounts``).
    public func statusCounts() async throws -> StatusCounts {
        try await committedCounts.counts {
            try await quickRead { db in
                StatusCounts(
                    queue: try Self.queueCounts(db), pendingOrders: try Self.pendingOrderCount(db),
                    outbox: try Self.outboxBacklog(db), tracking: try Self.trackingCounts(db))
            }
        }
    }

    /// Records an operator's write that changes no shipment (a reload, an API submission)
    /// in the event log, with the peer's uid.
    public func audit(kind: EventKind, actor: Actor, shipment: String?, detail: String, now: Int64) async throws {
        try await pool.write { db in try db.recordEvent(at: now, kind: kind, shipment: shipment, actor: actor, detail: detail) }
    }
}

extension RecordStore {
    /// A short read (a record, a few rows, counters) for a caller that waits on it: on the
    /// calling thread when that thread is marked for it (`relais_set_thread_reads_inline`:
    /// the control socket's own), otherwise on GRDB's readers.
    ///
    /// Why: every `await` on GRDB's queue resumed the request on another thread and back.
    /// With booking keeping both cores busy, each hop waited for the scheduler: `GET
    /// /v1/status` took 2 ms at the median and 12–19 ms at p99 (SPEC §11: ≤ 5 ms). SQLite's
    /// readers never wait for its writer (WAL), so a read on the caller's thread costs the
    /// read alone. Scans (lists, reports) stay on the readers: they would hold the thread.
    func quickRead<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        if relais_thread_reads_inline() != 0 { return try readOnThisThread(body) }
        return try await pool.read(body)
    }

    /// A page of a list: a short read (``quickRead(_:)``) when it holds at most
    /// ``shortPage`` rows, on GRDB's readers otherwise. A monitoring agent asking for the
    /// last 20 shipments gets the control thread's speed; a page of thousands does not hold
    /// the thread every other request needs.
    func pageRead<T: Sendable>(limit: Int, _ body: @Sendable (Database) throws -> T) async throws -> T {
        if limit <= Self.shortPage { return try await quickRead(body) }
        return try await pool.read(body)
    }

    /// The most rows a page read on the control thread may hold (about 1 ms of reading).
    static let shortPage = 50

    /// GRDB's synchronous read, which runs `body` on the calling thread once a reader is free.
    private func readOnThisThread<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }
}

extension RecordStore {
    /// Copies the WAL into the database file and empties it, so that the file alone holds
    /// every committed transaction (before copying it elsewhere, for one).
    public func checkpoint() async throws {
        _ = try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
