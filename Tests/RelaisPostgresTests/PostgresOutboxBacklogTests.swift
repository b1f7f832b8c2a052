import PostgresNIO
@testable import RelaisPostgres
import RelaisStore
import Testing

/// A claim of due deliveries reads the rows it takes, not the backlog (schema v8).
@Suite(.enabled(if: TestDatabase.url != nil, "RELAIS_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh"))
struct PostgresOutboxBacklogTests {
    /// 3,000 pending deliveries: the claim takes the first eight in order through the index,
    /// with no sort of the backlog. With the index of schema v4 the plan sorted every pending
    /// delivery at each claim (a webhook run fell a minute behind); this fails then.
    @Test func aClaimReadsTheRowsItTakesNotTheBacklog() async throws {
        try await TestDatabase.withSchema { client in
            let store = PostgresStore(client: client, node: "node-a", deadline: TestDatabase.deadline)
            try await store.migrate()
            let endpoint = try await store.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])[0]
            let plan = try await store.plainTransaction("backlog") { connection, logger in
                try await connection.query(
                    """
                    INSERT INTO outbox_events (id, type, at, shipment_id, body)
                    SELECT 'evt_' || n, 'shipment.booked', n, 'S-' || n, '\\x7b7d'::bytea FROM generate_series(1, 3000) AS n
                    """, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO outbox_deliveries (endpoint_id, event_seq, shipment_id, state, next_attempt_at)
                    SELECT \(endpoint), seq, shipment_id, 'pending', at FROM outbox_events
                    """, logger: logger)
                try await connection.query("ANALYZE outbox_deliveries", logger: logger)
                var binds = PostgresBindings(capacity: 5)
                binds.append(endpoint)
                binds.append(Int64(10_000))
                binds.append(Int64(8))
                binds.append(Int64(20_000))
                binds.append("node-a")
                var lines: [String] = []
                for try await line in try await connection.query(
                    PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, COSTS OFF) " + PostgresStore.claimDeliveries, binds: binds), logger: logger
                ).decode(String.self) {
                    lines.append(line)
                }
                return lines.joined(separator: "\n")
            }
            #expect(plan.contains("outbox_deliveries_due_order"), "\(plan)")
            #expect(!plan.contains("Sort"), "\(plan)")
            // And the claim itself: the first eight, oldest due first.
            let claimed = try await store.claimOutboxDeliveries(endpoint: endpoint, now: 10_000, limit: 8, lease: 20_000)
            #expect(claimed.map(\.shipmentID) == (9...16).map { "S-\($0)" })
        }
    }
}
