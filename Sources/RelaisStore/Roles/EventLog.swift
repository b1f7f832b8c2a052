import RelaisCore

/// The append-only event log, for writes that change no shipment (a reload, an API
/// submission): who did it (with the peer's uid for operators), when, what.
public protocol EventLog: Sendable {
    func audit(kind: EventKind, actor: Actor, detail: String, now: Int64) async throws
}

/// Everything the daemon asks of its store, whatever the engine (SQLite today).
public typealias DaemonStore = OrderLedger & ShipmentQueue & RecordReader & EventLog
