import RelaisCore

/// The records read whole for reports and what-if replays (`relaisctl report`,
/// `relaisctl simulate`, SPEC §16): each read from one snapshot, in batches, without
/// writing and without holding up the daemon.
///
/// Answered by SQLite (`SQLiteHistory`, a read-only WAL snapshot of the file) and by
/// PostgreSQL (`PostgresHistory`, a REPEATABLE READ read-only transaction read in pages):
/// the same records give the same reports on either.
///
/// - Important: `body` runs while the snapshot is open, before the next batch is read:
///   keep what it needs, and never call the history again from it.
public protocol RecordHistory: Sendable {
    /// Where the records are read from, for messages: the database file, or the
    /// PostgreSQL database (its URL, without a password).
    var source: String { get }

    /// Every recorded shipment created in `[from, until)` (ms) with its orders, in creation
    /// order, in batches of about `batchSize`, all from one snapshot.
    func forEachShipment(createdFrom from: Int64, until: Int64, batchSize: Int, _ body: ([RecordedShipment]) throws -> Void)
        async throws

    /// Every shipment booked in `[from, until)` (ms) and still booked, in booking order, from
    /// one snapshot.
    func forEachBooked(bookedFrom from: Int64, until: Int64, _ body: (BookedShipment) throws -> Void) async throws

    /// Failed booking attempts by class and breaker openings, per carrier, in `[from, until)` (ms).
    func carrierIncidents(from: Int64, until: Int64) async throws -> [String: CarrierIncidents]

    /// Every outbound shipment booked in `[from, until)` (ms) and still booked, delivered
    /// or not, with its orders, in booking order, from one snapshot: what `relaisctl report
    /// promise` and the promise columns of `report carriers` read (their only read).
    func forEachTracked(bookedFrom from: Int64, until: Int64, _ body: (TrackedDelivery) throws -> Void) async throws
}
