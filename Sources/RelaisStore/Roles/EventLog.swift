import RelaisCore

/// The append-only event log, for writes that change no shipment (a reload, an API
/// submission): who did it (with the peer's uid for operators), when, what.
public protocol EventLog: Sendable {
    /// Appends one line; `shipment` when the write named one (a refused action on it).
    func audit(kind: EventKind, actor: Actor, shipment: String?, detail: String, now: Int64) async throws
}

extension EventLog {
    /// Appends a line about no shipment in particular.
    public func audit(kind: EventKind, actor: Actor, detail: String, now: Int64) async throws {
        try await audit(kind: kind, actor: actor, shipment: nil, detail: detail, now: now)
    }
}

/// Everything the daemon asks of every store engine. The outbox (``OutboxLog``) is a role
/// of its own: SQLite answers it; the PostgreSQL store does not yet.
public typealias DaemonStore = OrderLedger & ShipmentQueue & RecordReader & EventLog & StorageSpace
