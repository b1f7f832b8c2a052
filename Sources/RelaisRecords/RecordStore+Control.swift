import Foundation
import GRDB
import RelaisCore
import RelaisStore

extension RecordStore {
    /// A shipment's carrier calls, oldest first.
    public func attempts(shipment id: String) async throws -> [AttemptRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM booking_attempts WHERE shipment_id = ? ORDER BY id", arguments: [id]
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
        try await pool.read { try Self.pendingOrderCount($0) }
    }

    static func pendingOrderCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders WHERE shipment_id IS NULL") ?? 0
    }

    /// What `GET /v1/status` counts, read in one go: one hop to the reader instead of two,
    /// which matters when the daemon's threads are busy booking.
    public func statusCounts() async throws -> (queue: [ShipmentState: Int], pendingOrders: Int) {
        try await pool.read { db in (try Self.queueCounts(db), try Self.pendingOrderCount(db)) }
    }

    /// Records an operator's write that changes no shipment (a reload, an API submission)
    /// in the event log, with the peer's uid.
    public func audit(kind: EventKind, actor: Actor, shipment: String?, detail: String, now: Int64) async throws {
        try await pool.write { db in try db.recordEvent(at: now, kind: kind, shipment: shipment, actor: actor, detail: detail) }
    }
}

extension RecordStore: ImmediateStatusReader {
    public func statusCountsNow() throws -> StatusCounts {
        // The synchronous read: GRDB runs it on this thread when a reader is free.
        try pool.read { db in
            StatusCounts(
                queue: try Self.queueCounts(db), pendingOrders: try Self.pendingOrderCount(db),
                outbox: try Self.outboxBacklog(db), tracking: try Self.trackingCounts(db))
        }
    }
}

extension RecordStore {
    /// Copies the WAL into the database file and empties it, so that the file alone holds
    /// every committed transaction (before copying it elsewhere, for one).
    public func checkpoint() async throws {
        _ = try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
