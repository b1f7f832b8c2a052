import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

extension PostgresStore {
    /// A shipment row with the chosen candidate's emissions inputs (the candidate at the
    /// shipment's site: a decision over several origins has one per origin) and, for a
    /// return, its request; the columns ``shipmentRecord(_:orders:)`` reads, in its order.
    static let shipmentSelect = """
        SELECT s.id, s.state, s.site, s.carrier, s.service, s.tracking_number, s.price_minor, s.currency, s.eta, s.co2e_g,
            s.late, s.label_path, s.attempts, s.next_attempt_at, s.reason, s.created_at, s.updated_at, s.parcels, s.weight_kg,
            c.km, c.data_quality, d.distance_basis, r.id AS return_id, r.order_id AS return_order, r.reason AS return_reason
        FROM shipments s
        LEFT JOIN decisions d ON d.id = s.decision_id
        LEFT JOIN decision_candidates c ON c.decision_id = s.decision_id AND c.carrier = s.carrier AND c.service = s.service
            AND (c.origin IS NULL OR c.origin = s.site)
        LEFT JOIN returns r ON r.shipment_id = s.id
        """

    /// How many columns ``shipmentSelect`` reads: a query that adds its own comes after.
    static let shipmentColumns = 25

    static func shipmentRecord(_ row: PostgresRow, orders: [String]) throws -> ShipmentRecord {
        let r = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T { try r[index].decode(T.self) }
        let co2e: Double? = try value(9)
        let quality: Int? = try value(20)
        let basis: String? = try value(21)
        var emissions: ShipmentEmissions?
        if let co2e, let quality {
            emissions = ShipmentEmissions(
                co2eGrams: co2e, dataQuality: quality, distanceKm: try value(19), distanceBasis: basis.flatMap(DistanceBasis.init(rawValue:)),
                parcels: try value(17), weightKg: try value(18))
        }
        let price: Int64? = try value(6)
        // A return has no orders of its own: it brings one back.
        var returnOf: ReturnOf?
        if let returnID: String = try value(22), let orderID: String = try value(23) {
            returnOf = ReturnOf(id: returnID, orderID: orderID, reason: try value(24))
        }
        return ShipmentRecord(
            id: try value(0), state: ShipmentState(rawValue: try value(1)) ?? .failed,
            orderIDs: orders.isEmpty ? returnOf.map { [$0.orderID] } ?? [] : orders, site: try value(2),
            carrier: try value(3), service: try value(4), trackingNumber: try value(5), price: price.map(Money.init(minorUnits:)),
            currency: try value(7), eta: try value(8), co2eGrams: co2e, late: try value(10), labelPath: try value(11),
            attempts: try value(12), nextAttemptAt: try value(13), reason: try value(14), createdAt: try value(15),
            updatedAt: try value(16), emissions: emissions, returnOf: returnOf)
    }

    public func shipment(id: String) async throws -> ShipmentRecord? {
        try await read("shipment") { connection, logger in
            guard
                let row = try await connection.query("\(unescaped: Self.shipmentSelect) WHERE s.id = \(id)", logger: logger).collect().first
            else { return nil }
            var orders: [String] = []
            for try await order in try await connection.query(
                "SELECT id FROM orders WHERE shipment_id = \(id) ORDER BY id", logger: logger
            ).decode(String.self) {
                orders.append(order)
            }
            return try Self.shipmentRecord(row, orders: orders)
        }
    }

    /// Shipments filtered by state and carrier, newest first, at most `limit` (capped at
    /// 10,000).
    public func shipments(state: ShipmentState?, carrier: String?, limit: Int) async throws -> [ShipmentRecord] {
        let limit = max(1, min(limit, 10_000))
        return try await read("shipments") { connection, logger in
            let rows = try await connection.query(
                """
                \(unescaped: Self.shipmentSelect)
                WHERE (\(state?.rawValue)::text IS NULL OR s.state = \(state?.rawValue))
                    AND (\(carrier)::text IS NULL OR s.carrier = \(carrier))
                ORDER BY s.seq DESC LIMIT \(limit)
                """, logger: logger
            ).collect()
            let ids = try rows.map { try $0.makeRandomAccess()[0].decode(String.self) }
            var orders: [String: [String]] = [:]
            if !ids.isEmpty {
                for try await (shipment, order) in try await connection.query(
                    "SELECT shipment_id, id FROM orders WHERE shipment_id = ANY(\(ids)) ORDER BY id", logger: logger
                ).decode((String, String).self) {
                    orders[shipment, default: []].append(order)
                }
            }
            return try zip(rows, ids).map { row, id in try Self.shipmentRecord(row, orders: orders[id] ?? []) }
        }
    }

    /// The latest decision made for a shipment, exactly as recorded.
    public func decision(shipment id: String) async throws -> Decision? {
        try await read("decision") { connection, logger in
            guard
                let row = try await connection.query(
                    """
                    SELECT id, policy_name, policy_sha256, currency, rules_applied, chosen_carrier, chosen_service, late, held,
                        distance_basis, chosen_origin, requested_service, requested_honoured, requested_reasons, requested_origin
                    FROM decisions WHERE shipment_id = \(id) ORDER BY id DESC LIMIT 1
                    """, logger: logger
                ).collect().first
            else { return nil }
            let (decisionID, policyName, policySHA, currency, rulesText, chosenCarrier, chosenService, late, held, basis) = try row.decode(
                (Int64, String, String, String, String, String?, String?, Bool, Bool, String?).self)
            let columns = row.makeRandomAccess()
            let chosenOrigin = try columns[10].decode(String?.self)
            let requested = RequestedServiceOutcome(
                recordedService: try columns[11].decode(String?.self), honoured: try columns[12].decode(Bool?.self),
                reasons: try columns[13].decode(String?.self), origin: try columns[14].decode(String?.self))
            var candidates: [CandidateEvaluation] = []
            for try await row in try await connection.query(
                """
                SELECT carrier, service, service_name, reasons, rank, price_minor, lead_days, eta_p50, eta_p90, eta_p99, co2e_g,
                    data_quality, cost_units, km, origin
                FROM decision_candidates WHERE decision_id = \(decisionID) ORDER BY position
                """, logger: logger)
            {
                let (carrier, service, name, reasonsText, rank, price, leadDays, p50, p90, p99, co2e, quality, cost, km) = try row.decode(
                    (String, String, String, String, Int?, Int64?, Int?, String?, String?, String?, Double?, Int, Int64?, Double?).self)
                let origin = try row.makeRandomAccess()[14].decode(String?.self)
                let reasons = reasonsText.split(separator: ",").compactMap { ReasonCode(rawValue: String($0)) }
                var eta: ETA?
                if let p50 = p50.flatMap(CivilDate.init), let p90 = p90.flatMap(CivilDate.init), let p99 = p99.flatMap(CivilDate.init) {
                    eta = ETA(p50: p50, p90: p90, p99: p99)
                }
                candidates.append(
                    CandidateEvaluation(
                        key: ServiceKey(carrier: carrier, service: service), origin: origin, serviceName: name, reasons: ReasonSet(reasons), rank: rank,
                        price: price.map(Money.init(minorUnits:)), leadDays: leadDays, eta: eta, co2eGrams: co2e, dataQuality: quality,
                        cost: cost.map(Cost.init(units:)), distanceKm: km))
            }
            let chosenIndex = candidates.firstIndex {
                $0.key.carrier == chosenCarrier && $0.key.service == chosenService && (chosenOrigin == nil || $0.origin == chosenOrigin)
            }
            return Decision(
                shipmentID: id, policyName: policyName, policySHA256: policySHA, currency: currency,
                rulesApplied: rulesText.split(separator: "\n").map(String.init), candidates: candidates,
                chosenIndex: chosenCarrier == nil ? nil : chosenIndex, late: late, held: held,
                distanceBasis: basis.flatMap(DistanceBasis.init(rawValue:)),
                requested: requested)
        }
    }

    public func policyText(sha256: String) async throws -> String? {
        try await read("policy text") { connection, logger in
            try await connection.query("SELECT text FROM policy_versions WHERE sha256 = \(sha256)", logger: logger).collect().first?
                .decode(String.self)
        }
    }

    /// A shipment's carrier calls, oldest first.
    public func attempts(shipment id: String) async throws -> [AttemptRecord] {
        try await read("attempts") { connection, logger in try await Self.attempts(shipment: id, connection, logger) }
    }

    /// A shipment's carrier calls, oldest first, on `connection` (in its transaction, if any).
    static func attempts(shipment id: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> [AttemptRecord] {
        try await attempts(shipments: [id], connection, logger)[id] ?? []
    }

    /// The attempts of several shipments, each shipment's oldest first, in one statement.
    static func attempts(shipments ids: [String], _ connection: PostgresConnection, _ logger: Logger) async throws
        -> [String: [AttemptRecord]]
    {
        var attempts: [String: [AttemptRecord]] = [:]
        for try await (shipment, carrier, service, started, finished, outcome, failure, status, duration, tracking, detail) in try await connection
            .query(
                """
                SELECT shipment_id, carrier, service, started_at, finished_at, outcome, failure_class, http_status, duration_ms,
                    tracking_number, detail
                FROM booking_attempts WHERE shipment_id = ANY(\(ids)) ORDER BY id
                """, logger: logger
            ).decode((String, String, String, Int64, Int64?, String?, String?, Int?, Int?, String?, String?).self)
        {
            attempts[shipment, default: []].append(
                AttemptRecord(
                    carrier: carrier, service: service, startedAt: started, finishedAt: finished, outcome: outcome,
                    failureClass: failure, httpStatus: status, durationMilliseconds: duration, trackingNumber: tracking, detail: detail))
        }
        return attempts
    }

    public func events(shipment id: String) async throws -> [EventRecord] {
        try await read("events") { connection, logger in
            try await Self.events(connection.query("\(unescaped: Self.eventSelect) WHERE shipment_id = \(id) ORDER BY id", logger: logger))
        }
    }

    public func events(order id: String) async throws -> [EventRecord] {
        try await read("events") { connection, logger in
            try await Self.events(connection.query("\(unescaped: Self.eventSelect) WHERE order_id = \(id) ORDER BY id", logger: logger))
        }
    }

    static let eventSelect = "SELECT at, kind, shipment_id, order_id, actor, uid, detail FROM events"

    static func events(_ rows: PostgresRowSequence) async throws -> [EventRecord] {
        var events: [EventRecord] = []
        for try await (at, kind, shipment, order, actor, uid, detail) in rows.decode(
            (Int64, String, String?, String?, String, Int64?, String).self)
        {
            events.append(
                EventRecord(at: at, kind: EventKind(recorded: kind), shipmentID: shipment, orderID: order, actor: actor, uid: uid, detail: detail))
        }
        return events
    }

    /// Shipments per state, from the counters the triggers keep: no scan.
    public func queueCounts() async throws -> [ShipmentState: Int] {
        try await read("queue counts") { connection, logger in try await Self.queueCounts(connection, logger) }
    }

    static func queueCounts(_ connection: PostgresConnection, _ logger: Logger) async throws -> [ShipmentState: Int] {
        var counts: [ShipmentState: Int] = [:]
        for try await (state, n) in try await connection.query("SELECT state, SUM(n)::BIGINT FROM queue_counts GROUP BY state", logger: logger).decode((String, Int).self) {
            if let state = ShipmentState(rawValue: state) { counts[state] = n }
        }
        return counts
    }

    /// Three reads: the queue's counts and pending orders in one, the outbox's backlog and
    /// tracking's counts in their own.
    public func statusCounts() async throws -> StatusCounts {
        let (queue, pendingOrders) = try await read("status counts") { connection, logger in
            (try await Self.queueCounts(connection, logger), try await Self.pendingOrderCount(connection, logger))
        }
        return StatusCounts(
            queue: queue, pendingOrders: pendingOrders, outbox: try await outboxBacklog(), tracking: try await trackingCounts())
    }

    /// ``allocationCounts(site:from:until:)`` for several sites, each over its own local day.
    public func allocationCounts(sites: [String: (from: Int64, until: Int64)]) async throws
        -> [String: (total: Int, perCarrier: [String: Int])]
    {
        var counts: [String: (total: Int, perCarrier: [String: Int])] = [:]
        for (site, day) in sites { counts[site] = try await allocationCounts(site: site, from: day.from, until: day.until) }
        return counts
    }

    /// Shipments given to each carrier at `site` between `from` and `until` (ms), counted
    /// from their decision, whichever node decided them: one table for every node; read
    /// as ``AllocationQuarters`` says (schema v6 keeps the counts).
    public func allocationCounts(site: String, from: Int64, until: Int64) async throws -> (total: Int, perCarrier: [String: Int]) {
        try await read("allocation counts") { connection, logger in
            var perCarrier: [String: Int] = [:]
            let quarters = AllocationQuarters(from: from, until: until)
            if !quarters.whole.isEmpty {
                for try await (carrier, n) in try await connection.query(
                    """
                    SELECT carrier, SUM(n)::BIGINT FROM allocation_counts
                    WHERE site = \(site) AND bucket >= \(quarters.whole.lowerBound) AND bucket < \(quarters.whole.upperBound)
                    GROUP BY carrier
                    """, logger: logger
                ).decode((String, Int).self) {
                    perCarrier[carrier, default: 0] += n
                }
            }
            for part in quarters.partial {
                for try await (carrier, n) in try await connection.query(
                    """
                    SELECT carrier, COUNT(*) FROM shipments
                    WHERE site = \(site) AND created_at >= \(part.lowerBound) AND created_at < \(part.upperBound)
                        AND carrier IS NOT NULL AND state NOT IN ('failed', 'held')
                    GROUP BY carrier
                    """, logger: logger
                ).decode((String, Int).self) {
                    perCarrier[carrier, default: 0] += n
                }
            }
            perCarrier = perCarrier.filter { $0.value != 0 }
            return (perCarrier.values.reduce(0, +), perCarrier)
        }
    }
}
