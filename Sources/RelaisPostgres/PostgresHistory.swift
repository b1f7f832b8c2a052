import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

/// The ``RecordHistory`` of a PostgreSQL store, for reports and `relaisctl simulate` where
/// relais.toml has a `[store]` (SPEC §16).
///
/// Rules:
/// - **One snapshot per read**: each read is one `REPEATABLE READ READ ONLY` transaction on
///   one connection, so it sees the records as they were when it began while the nodes keep
///   writing, and it takes no lock they wait for.
/// - **Pages, never a table at once**: shipments are read in pages of `batchSize` by key
///   (`seq`, or `booked_at, seq`), each page's orders read for that page alone; memory holds
///   one page.
/// - **No retry**: a read cut short (the connection lost) throws; part of the records went to
///   `body` already, so the caller starts again.
///
/// The client is the caller's, and it must run (`client.run()` beside the reads), as for
/// ``PostgresStore``.
public final class PostgresHistory: RecordHistory {
    let client: PostgresClient
    let logger: Logger
    public let source: String

    /// A history over `client`'s database; `source` names it in messages (its URL).
    public init(client: PostgresClient, source: String, logger: Logger = Logger(label: "relais.postgres.history")) {
        self.client = client
        self.source = source
        self.logger = logger
    }

    /// Refuses a database whose schema lacks one of this version's migrations (start a
    /// relaisd of this version on it once).
    public func checkSchema() async throws {
        try await snapshot { _ in }
    }

    public func forEachShipment(
        createdFrom from: Int64, until: Int64, batchSize: Int, _ body: ([RecordedShipment]) throws -> Void
    ) async throws {
        let size = max(1, batchSize)
        try await snapshot { connection in
            var last = Int64.min
            while true {
                var page: [RecordedShipment] = []
                page.reserveCapacity(size)
                for try await row in try await connection.query(
                    """
                    SELECT s.seq, s.id, s.site, s.created_at, s.state, d.chosen_carrier, d.chosen_service, c.price_minor,
                        d.currency, c.co2e_g, d.late, c.lead_days, d.policy_name, d.policy_sha256
                    FROM shipments s
                    LEFT JOIN decisions d ON d.id = s.decision_id
                    LEFT JOIN LATERAL (
                        SELECT price_minor, co2e_g, lead_days FROM decision_candidates c
                        WHERE c.decision_id = s.decision_id AND c.carrier = d.chosen_carrier AND c.service = d.chosen_service
                            AND (d.chosen_origin IS NULL OR c.origin = d.chosen_origin)
                        ORDER BY c.position LIMIT 1) c ON TRUE
                    WHERE s.seq > \(last) AND s.created_at >= \(from) AND s.created_at < \(until)
                        AND EXISTS (SELECT 1 FROM orders o WHERE o.shipment_id = s.id)
                    ORDER BY s.seq LIMIT \(size)
                    """, logger: logger)
                {
                    let (seq, id, site, createdAt, state, carrier, service, price, currency, co2e, late, leadDays) = try row.decode(
                        (Int64, String, String, Int64, String, String?, String?, Int64?, String?, Double?, Bool?, Int?).self)
                    let policy = row.makeRandomAccess()
                    var recorded: RecordedChoice?
                    if let carrier, let service {
                        recorded = RecordedChoice(
                            key: ServiceKey(carrier: carrier, service: service), price: price.map(Money.init(minorUnits:)), leadDays: leadDays,
                            co2eGrams: co2e, late: late ?? false)
                    }
                    page.append(
                        RecordedShipment(
                            seq: seq, id: id, site: site, createdAt: createdAt, state: ShipmentState(rawValue: state) ?? .failed,
                            currency: currency, recorded: recorded, policyName: try policy[12].decode(String?.self),
                            policySHA256: try policy[13].decode(String?.self), orderBodies: []))
                }
                guard let end = page.last?.seq else { return }
                let bodies = try await connection.orderBodies(of: page.map(\.id), logger: logger)
                for index in page.indices { page[index].orderBodies = bodies[page[index].id] ?? [] }
                try body(page)
                guard page.count == size else { return }
                last = end
            }
        }
    }

    /// Pages of 4,096 by (`booked_at`, `seq`), on the `shipments_booked` index.
    public func forEachBooked(bookedFrom from: Int64, until: Int64, _ body: (BookedShipment) throws -> Void) async throws {
        let size = 4_096
        try await snapshot { connection in
            var last = (at: Int64.min, seq: Int64.min)
            while true {
                var count = 0
                for try await row in try await connection.query(
                    """
                    SELECT s.seq, s.booked_at, s.id, s.site, s.carrier, s.service, s.price_minor, s.currency, s.carrier_price_minor,
                        s.co2e_g, c.data_quality, c.km, d.distance_basis, s.parcels, s.weight_kg
                    FROM shipments s
                    LEFT JOIN decisions d ON d.id = s.decision_id
                    LEFT JOIN LATERAL (
                        SELECT data_quality, km FROM decision_candidates c
                        WHERE c.decision_id = s.decision_id AND c.carrier = s.carrier AND c.service = s.service
                            AND (c.origin IS NULL OR c.origin = s.site)
                        ORDER BY c.position LIMIT 1) c ON TRUE
                    WHERE s.booked_at >= \(from) AND s.booked_at < \(until) AND s.state = 'booked' AND s.carrier IS NOT NULL
                        AND (s.booked_at, s.seq) > (\(last.at), \(last.seq))
                    ORDER BY s.booked_at, s.seq LIMIT \(size)
                    """, logger: logger)
                {
                    let (seq, bookedAt, id, site, carrier, service, price, currency, carrierPrice, co2e, quality, km) = try row.decode(
                        (Int64, Int64, String, String, String, String, Int64?, String?, Int64?, Double?, Int?, Double?).self)
                    let columns = row.makeRandomAccess()
                    let basis = try columns[12].decode(String?.self)
                    let parcels = try columns[13].decode(Int?.self)
                    let weight = try columns[14].decode(Double?.self)
                    var emissions: ShipmentEmissions?
                    if let co2e, let quality {
                        emissions = ShipmentEmissions(
                            co2eGrams: co2e, dataQuality: quality, distanceKm: km, distanceBasis: basis.flatMap(DistanceBasis.init(rawValue:)),
                            parcels: parcels, weightKg: weight)
                    }
                    try body(
                        BookedShipment(
                            id: id, site: site, key: ServiceKey(carrier: carrier, service: service), bookedAt: bookedAt,
                            price: price.map(Money.init(minorUnits:)), currency: currency, carrierPrice: carrierPrice.map(Money.init(minorUnits:)),
                            parcels: parcels, emissions: emissions))
                    last = (bookedAt, seq)
                    count += 1
                }
                guard count == size else { return }
            }
        }
    }

    /// Pages of 4,096 outbound shipments by (`booked_at`, `seq`), each page's orders read for
    /// it alone. The tracking status is the `tracking` table's (TrackingLog, PostgreSQL
    /// migration v4).
    public func forEachTracked(bookedFrom from: Int64, until: Int64, _ body: (TrackedDelivery) throws -> Void) async throws {
        let size = 4_096
        try await snapshot { connection in
            var last = (at: Int64.min, seq: Int64.min)
            while true {
                var page: [TrackedDelivery] = []
                page.reserveCapacity(size)
                for try await row in try await connection.query(
                    """
                    SELECT s.seq, s.booked_at, s.id, s.site, s.carrier, s.service, c.eta_p50, c.eta_p90, c.eta_p99, t.status, t.delivered_at
                    FROM shipments s
                    LEFT JOIN LATERAL (
                        SELECT eta_p50, eta_p90, eta_p99 FROM decision_candidates c
                        WHERE c.decision_id = s.decision_id AND c.carrier = s.carrier AND c.service = s.service
                            AND (c.origin IS NULL OR c.origin = s.site)
                        ORDER BY c.position LIMIT 1) c ON TRUE
                    LEFT JOIN tracking t ON t.shipment_id = s.id
                    WHERE s.booked_at >= \(from) AND s.booked_at < \(until) AND s.state = 'booked' AND s.carrier IS NOT NULL
                        AND s.direction = 'outbound' AND (s.booked_at, s.seq) > (\(last.at), \(last.seq))
                        AND EXISTS (SELECT 1 FROM orders o WHERE o.shipment_id = s.id)
                    ORDER BY s.booked_at, s.seq LIMIT \(size)
                    """, logger: logger)
                {
                    let (seq, bookedAt, id, site, carrier, service, p50, p90, p99, state, deliveredAt) = try row.decode(
                        (Int64, Int64, String, String, String, String, String?, String?, String?, String?, Int64?).self)
                    var eta: ETA?
                    if let p50 = p50.flatMap(CivilDate.init), let p90 = p90.flatMap(CivilDate.init), let p99 = p99.flatMap(CivilDate.init) {
                        eta = ETA(p50: p50, p90: p90, p99: p99)
                    }
                    page.append(
                        TrackedDelivery(
                            id: id, site: site, key: ServiceKey(carrier: carrier, service: service), bookedAt: bookedAt, eta: eta,
                            status: state.flatMap(TrackingStatus.init(rawValue:)), deliveredAt: deliveredAt, orderBodies: []))
                    last = (bookedAt, seq)
                }
                let bodies = try await connection.orderBodies(of: page.map(\.id), logger: logger)
                for var delivery in page {
                    delivery.orderBodies = bodies[delivery.id] ?? []
                    try body(delivery)
                }
                guard page.count == size else { return }
            }
        }
    }

    public func carrierIncidents(from: Int64, until: Int64) async throws -> [String: CarrierIncidents] {
        try await snapshot { connection in
            var incidents: [String: CarrierIncidents] = [:]
            for try await (carrier, failureClass, count) in try await connection.query(
                """
                SELECT carrier, failure_class, COUNT(*) FROM booking_attempts
                WHERE finished_at >= \(from) AND finished_at < \(until)
                GROUP BY carrier, failure_class
                """, logger: logger
            ).decode((String, String?, Int).self) {
                incidents[carrier, default: CarrierIncidents()].attempts += count
                if let failureClass = failureClass.flatMap(FailureClass.init(rawValue:)) {
                    incidents[carrier, default: CarrierIncidents()].failures[failureClass, default: 0] += count
                }
            }
            for try await (carrier, count) in try await connection.query(
                """
                SELECT carrier, COUNT(*) FROM events
                WHERE kind = \(EventKind.breakerOpened.name) AND carrier IS NOT NULL AND at >= \(from) AND at < \(until)
                GROUP BY carrier
                """, logger: logger
            ).decode((String, Int).self) {
                incidents[carrier, default: CarrierIncidents()].breakerOpenings = count
            }
            return incidents
        }
    }

    /// Runs `body` in a `REPEATABLE READ READ ONLY` transaction on one connection, after
    /// checking that every migration of this version was applied; rolls back at the end
    /// (nothing was written).
    func snapshot<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        let source = self.source
        return try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let applied = Set(
                    try await connection.strings(
                        "SELECT name FROM schema_migrations", logger: logger))
                let missing = PostgresSchema.migrations.map(\.name).filter { !applied.contains($0) }
                guard missing.isEmpty else {
                    throw StoreError.refused(
                        "\(source) has not been migrated to this version's schema (missing: \(missing.joined(separator: "; "))); start a relaisd of this version on it once")
                }
                let result = try await body(connection)
                try await connection.query("ROLLBACK", logger: logger)
                return result
            } catch {
                // A connection that cannot roll back is closed, never lent again mid-transaction.
                if (try? await connection.query("ROLLBACK", logger: logger)) == nil { try? await connection.close() }
                throw error
            }
        }
    }
}

extension PostgresConnection {
    /// The canonical JSON of the orders of `shipments`, per shipment, in id order as SQLite
    /// compares ids (bytes, not the database's collation).
    func orderBodies(of shipments: [String], logger: Logger) async throws -> [String: [String]] {
        var bodies: [String: [String]] = [:]
        guard !shipments.isEmpty else { return bodies }
        for try await (shipment, body) in try await query(
            "SELECT shipment_id, body FROM orders WHERE shipment_id = ANY(\(shipments)) ORDER BY id COLLATE \"C\"", logger: logger
        ).decode((String, String).self) {
            bodies[shipment, default: []].append(body)
        }
        return bodies
    }
}
