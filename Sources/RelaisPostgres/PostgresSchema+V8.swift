extension PostgresSchema {
    /// Due outbox deliveries taken in the order an index keeps, not sorted.
    ///
    /// Deliveries are claimed oldest due first, `ORDER BY next_attempt_at, event_seq LIMIT n`.
    /// The index was `(endpoint_id, next_attempt_at)`: PostgreSQL sorted every pending
    /// delivery of the endpoint, and checked each for an earlier event of its shipment, to
    /// take the first few, at every claim. The work grew with the backlog, and the backlog
    /// with it: two nodes booking at 520/s with a webhook fell a minute behind, the server
    /// spending 15–34 ms of CPU per booking in the claims (BENCHMARKS.md, outbox, session 15).
    /// With `event_seq` in the index the scan stops after the rows it takes. (SQLite's index
    /// already ends with the primary key, `event_seq` included.)
    static let v8: [String] = [
        "CREATE INDEX outbox_deliveries_due_order ON outbox_deliveries (endpoint_id, next_attempt_at, event_seq) WHERE state = 'pending'",
        "DROP INDEX outbox_deliveries_due",
    ]
}
