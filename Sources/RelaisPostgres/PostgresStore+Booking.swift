import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

extension PostgresStore {
    /// The states a claim takes shipments from, and the state it puts them in: read from
    /// the lifecycle, so that a claim is the lifecycle's `claim` event applied to many rows.
    static let claimableStates = ShipmentLifecycle.states(accepting: .claim).map(\.rawValue).sorted()
    static let claimedState = try! ShipmentLifecycle.next(.queued, on: .claim).get()

    /// Claims due shipments carrier by carrier, in one transaction: at most `limits[c]` for
    /// carrier `c`, and `othersLimit` in all for carriers not named.
    ///
    /// Rows are chosen with `FOR UPDATE SKIP LOCKED`: a row another node is claiming or
    /// changing is passed over, not waited for, and never claimed twice. Each claim is
    /// stamped with this node and its lease.
    public func claim(limits: [String: Int], othersLimit: Int, now: Instant) async throws -> [ClaimedShipment] {
        let leaseUntil = (now + lease).millisecondsSinceEpoch
        let now = now.millisecondsSinceEpoch
        let node = self.node
        return try await transaction("claim") { connection, logger in
            func claim(_ carrier: String, limit: Int) async throws -> [ClaimedShipment] {
                var claimed: [ClaimedShipment] = []
                let rows = try await connection.query(
                    """
                    UPDATE shipments SET state = \(Self.claimedState.rawValue), attempts = attempts + 1, updated_at = \(now),
                        next_attempt_at = NULL, claimed_by = \(node), lease_until = \(leaseUntil)
                    WHERE id IN (
                        SELECT id FROM shipments
                        WHERE carrier = \(carrier) AND state = ANY(\(Self.claimableStates)) AND next_attempt_at <= \(now)
                        ORDER BY next_attempt_at LIMIT \(limit)
                        FOR UPDATE SKIP LOCKED)
                    RETURNING id, site, carrier, service, attempts
                    """, logger: logger)
                for try await (id, site, carrier, service, attempts) in rows.decode((String, String, String?, String?, Int).self) {
                    claimed.append(ClaimedShipment(id: id, site: site, carrier: carrier, service: service, attempts: attempts))
                }
                return claimed
            }
            var claimed: [ClaimedShipment] = []
            for (carrier, limit) in limits.sorted(by: { $0.key < $1.key }) where limit > 0 {
                claimed += try await claim(carrier, limit: limit)
            }
            if othersLimit > 0 {
                // The carriers not named, found by skipping through shipments_carrier_due one
                // carrier at a time, not by scanning the queue.
                var remaining = othersLimit
                var last = ""
                while remaining > 0,
                    let carrier = try await connection.query(
                        "SELECT carrier FROM shipments WHERE carrier > \(last) ORDER BY carrier LIMIT 1", logger: logger
                    ).collect().first?.decode(String.self)
                {
                    last = carrier
                    guard limits[carrier] == nil else { continue }
                    let found = try await claim(carrier, limit: remaining)
                    remaining -= found.count
                    claimed += found
                }
            }
            return claimed
        }
    }

    /// The details of claimed shipments, read in one go.
    public func bookingJobs(for claimed: [ClaimedShipment]) async throws -> [BookingJob] {
        guard !claimed.isEmpty else { return [] }
        let ids = claimed.map(\.id)
        return try await read("booking jobs") { connection, logger in
            var assembly = BookingJobAssembly()
            // The orders' bodies, then a return's: its `returns` row, the customer's address and
            // the parcels coming back.
            for try await (shipment, body, isReturn, _) in try await connection.query(
                """
                SELECT shipment_id, body, FALSE AS is_return, id FROM orders WHERE shipment_id = ANY(\(ids))
                UNION ALL
                SELECT shipment_id, body, TRUE, id FROM returns WHERE shipment_id = ANY(\(ids))
                ORDER BY is_return, id
                """, logger: logger
            ).decode((String, String, Bool, String).self) {
                assembly.bodies[shipment, default: []].append(body)
                if isReturn { assembly.returns.insert(shipment) }
            }
            var decisions: [Int64: (shipment: String, site: String)] = [:]
            for try await (id, createdAt, decision, site) in try await connection.query(
                "SELECT id, created_at, decision_id, site FROM shipments WHERE id = ANY(\(ids))", logger: logger
            ).decode((String, Int64, Int64?, String).self) {
                assembly.created[id] = createdAt
                if let decision { decisions[decision] = (id, site) }
            }
            // The candidates by their decisions' keys: no join for the planner to misjudge on
            // tables it has not analysed yet (a new database's first minutes).
            for try await (decision, carrier, service, price, eta, co2e, origin) in try await connection.query(
                """
                SELECT decision_id, carrier, service, price_minor, eta_p50, co2e_g, origin FROM decision_candidates
                WHERE decision_id = ANY(\(Array(decisions.keys))) AND (rank IS NOT NULL OR reasons = 'promise')
                ORDER BY decision_id, rank IS NULL, rank, lead_days, cost_units
                """, logger: logger
            ).decode((Int64, String, String, Int64?, String?, Double?, String?).self) {
                // Failover stays at the origin chosen: the parcels are prepared there.
                guard let shipment = decisions[decision], origin == nil || origin == shipment.site else { continue }
                assembly.candidates[shipment.shipment, default: []].append(
                    BookingCandidate(
                        key: ServiceKey(carrier: carrier, service: service), price: price.map(Money.init(minorUnits:)), eta: eta,
                        co2eGrams: co2e))
            }
            for try await (id, carrier, service, failureClass, outcome) in try await connection.query(
                """
                SELECT shipment_id, carrier, service, failure_class, outcome FROM booking_attempts
                WHERE shipment_id = ANY(\(ids)) AND failure_class IS NOT NULL
                """, logger: logger
            ).decode((String, String, String, String, String?).self) {
                assembly.addFailedAttempt(shipment: id, carrier: carrier, service: service, failureClass: failureClass, outcome: outcome)
            }
            return assembly.jobs(for: claimed)
        }
    }

    /// Applies booking outcomes in one transaction, each through the lifecycle, in a
    /// handful of statements whatever their number: the rows locked, the outcomes'
    /// columns, their attempts, the state changes and their events, each one statement
    /// for all (`… FROM unnest(…)`).
    ///
    /// - Important: Call only after the label files of booked outcomes are durable.
    public func commit(_ outcomes: [BookingOutcome], breakerOpenings: [BreakerOpening], now: Instant) async throws {
        guard !outcomes.isEmpty || !breakerOpenings.isEmpty else { return }
        let now = now.millisecondsSinceEpoch
        let node = self.node
        try await transaction("commit outcomes") { connection, logger in
            try await connection.recordEvents(
                breakerOpenings.map {
                    EventRow(at: $0.at.millisecondsSinceEpoch, kind: .breakerOpened, carrier: $0.carrier, actor: .booking, detail: $0.detail)
                }, logger: logger)
            let locked = try await connection.lockShipments(outcomes.map(\.shipment), logger: logger)
            var held: [BookingOutcome] = [], late: [BookingOutcome] = [], seen = Set<String>()
            for outcome in outcomes {
                let row = locked[outcome.shipment]
                guard let row else { throw StoreError.notFound("shipment \(outcome.shipment)") }
                // This node's lease expired while the call ran (it stalled or lost the
                // database) and another node made the shipment `uncertain`; or the shipment
                // came twice: settled by the first, the second is late too.
                if row.state == Self.claimedState && row.claimedBy == node && seen.insert(outcome.shipment).inserted {
                    held.append(outcome)
                } else {
                    late.append(outcome)
                }
            }
            // The columns and the attempts first, the state changes last: the outbox events
            // that applyEvents writes show the tracking number, the label and the attempt.
            try await connection.writeOutcomeColumns(held, logger: logger)
            try await connection.recordAttempts(held.filter { !$0.result.isPostponed }, logger: logger)
            let settled = try await connection.applyEvents(
                held.map { outcome in
                    let attempt = outcome.result.attemptOutcome
                    return StateChange(
                        shipment: outcome.shipment, event: outcome.result.event, nextAttemptAt: outcome.result.nextAttemptAt(now: now),
                        detail: "\(outcome.carrier)/\(outcome.service): \(attempt.rawValue)\(outcome.detail.isEmpty ? "" : " — \(outcome.detail)")")
                }, locked: locked, actor: .booking, now: now, logger: logger)
            // Recorded, and settling the shipment only if it is a booking of a still-uncertain
            // shipment; anything else is left to reconciliation.
            // Each one's shipment as locked, or as an earlier outcome of this commit left it.
            var states = locked.mapValues(\.state)
            for (outcome, state) in zip(held, settled) { states[outcome.shipment] = state }
            for outcome in late {
                states[outcome.shipment] = try await connection.recordLateOutcome(
                    outcome, state: states[outcome.shipment], node: node, now: now, logger: logger)
            }
        }
    }

    /// Uncertain shipments due for a lookup, oldest first.
    public func uncertainDue(carriers: Set<String>, now: Instant, limit: Int) async throws -> [UncertainShipment] {
        guard !carriers.isEmpty else { return [] }
        let now = now.millisecondsSinceEpoch
        let carriers = carriers.sorted()
        return try await read("uncertain due") { connection, logger in
            var due: [UncertainShipment] = []
            for try await (id, carrier, service) in try await connection.query(
                """
                SELECT id, carrier, service FROM shipments
                WHERE state = 'uncertain' AND COALESCE(next_attempt_at, 0) <= \(now) AND carrier = ANY(\(carriers))
                ORDER BY next_attempt_at LIMIT \(limit)
                """, logger: logger
            ).decode((String, String, String).self) {
                due.append(UncertainShipment(id: id, carrier: carrier, service: service))
            }
            return due
        }
    }

    /// Records a lookup's answer: booked, not booked (back to the queue), or inconclusive
    /// (asked again at `retryAt`).
    public func reconcile(_ shipment: UncertainShipment, result: LookupResult, now: Instant, retryAt: Instant) async throws {
        let now = now.millisecondsSinceEpoch
        let retryAt = retryAt.millisecondsSinceEpoch
        try await transaction("reconcile") { connection, logger in
            switch result {
            case .booked(let tracking):
                // The tracking number first: the outbox event applyEvent writes shows it.
                try await connection.query(
                    "UPDATE shipments SET tracking_number = \(tracking), reason = NULL WHERE id = \(shipment.id) AND state = 'uncertain'",
                    logger: logger)
                try await connection.applyEvent(
                    .reconciled(booked: true), to: shipment.id, actor: .booking, now: now,
                    detail: "\(shipment.carrier) holds it as \(tracking)", logger: logger)
            case .notBooked:
                try await connection.applyEvent(
                    .reconciled(booked: false), to: shipment.id, actor: .booking, now: now,
                    detail: "\(shipment.carrier) has no booking under this reference", logger: logger)
            case .inconclusive(let why):
                try await connection.query(
                    """
                    UPDATE shipments SET next_attempt_at = \(retryAt), reason = \("lookup inconclusive: \(why)")
                    WHERE id = \(shipment.id) AND state = 'uncertain'
                    """, logger: logger)
            }
        }
    }
}

extension PostgresConnection {
    /// An outcome that arrived after this node's claim was taken over. A booking of a shipment
    /// still `uncertain` settles it (the carrier's answer is the lookup's answer); anything
    /// else only goes in the records. `state` is the shipment's, locked by the caller's
    /// transaction; returns its state after.
    @discardableResult
    func recordLateOutcome(_ outcome: BookingOutcome, state: ShipmentState?, node: String, now: Int64, logger: Logger)
        async throws -> ShipmentState?
    {
        let id = outcome.shipment
        let attemptOutcome = outcome.result.attemptOutcome
        if !outcome.result.isPostponed {
            // The attempt and the columns before the state change: its outbox event shows them.
            try await recordAttempts([outcome], logger: logger)
        }
        if case .booked(let trackingNumber, let carrierPrice, let labelPath) = outcome.result, state == .uncertain {
            try await query(
                """
                UPDATE shipments SET tracking_number = \(trackingNumber), carrier_price_minor = \(carrierPrice?.minorUnits),
                    label_path = \(labelPath), reason = NULL WHERE id = \(id)
                """, logger: logger)
            return try await applyEvent(
                .reconciled(booked: true), to: id, actor: .booking, now: now,
                detail: "\(outcome.carrier) booked it as \(trackingNumber) for \(node) after its claim was taken over", logger: logger)
        } else {
            try await recordEvent(
                at: now, kind: EventKind(recorded: "shipment.late-outcome"), shipment: id, actor: .booking,
                detail: "\(outcome.carrier)/\(outcome.service): \(attemptOutcome.rawValue) reached \(node) after its claim was taken over (now \(state?.rawValue ?? "?")): left as it is",
                logger: logger)
            return state
        }
    }

    /// Records the attempts of outcomes in one statement, in their order.
    func recordAttempts(_ outcomes: [BookingOutcome], logger: Logger) async throws {
        guard !outcomes.isEmpty else { return }
        try await query(
            """
            INSERT INTO booking_attempts (shipment_id, carrier, service, started_at, finished_at, outcome,
                failure_class, detail, http_status, duration_ms, tracking_number)
            SELECT shipment_id, carrier, service, started_at, finished_at, outcome,
                failure_class, detail, http_status, duration_ms, tracking_number
            FROM unnest(\(outcomes.map(\.shipment)), \(outcomes.map(\.carrier)), \(outcomes.map(\.service)),
                \(outcomes.map(\.startedAt.millisecondsSinceEpoch)), \(outcomes.map(\.finishedAt.millisecondsSinceEpoch)),
                \(outcomes.map(\.result.attemptOutcome.rawValue)), \(NullableArray(outcomes.map(\.failureClass?.rawValue))),
                \(outcomes.map(\.detail)), \(NullableArray(outcomes.map { $0.httpStatus.map(Int64.init) })),
                \(outcomes.map { max(0, ($0.finishedAt - $0.startedAt).wholeMilliseconds) }),
                \(NullableArray(outcomes.map(\.result.trackingNumber))))
                WITH ORDINALITY AS a(shipment_id, carrier, service, started_at, finished_at, outcome, failure_class, detail,
                    http_status, duration_ms, tracking_number, position)
            ORDER BY position
            """, logger: logger)
    }

    /// Writes the columns each outcome changes, in one statement: a booking's tracking
    /// number, price and label; a failover's new service; every other outcome's reason; a
    /// postponed call gives its attempt back. The state changes separately
    /// (``applyEvents(_:locked:actor:now:logger:)``).
    func writeOutcomeColumns(_ outcomes: [BookingOutcome], logger: Logger) async throws {
        guard !outcomes.isEmpty else { return }
        var kinds: [String] = [], reasons: [String?] = [], tracking: [String?] = [], carrierPrices: [Int64?] = [], labels: [String?] = []
        var carriers: [String?] = [], services: [String?] = [], prices: [Int64?] = [], etas: [String?] = [], co2e: [Double?] = []
        for outcome in outcomes {
            kinds.append(outcome.result.attemptOutcome.rawValue)
            var reason: String? = outcome.detail
            var failover: BookingCandidate?
            switch outcome.result {
            case .booked(let trackingNumber, let carrierPrice, let labelPath):
                reason = nil
                tracking.append(trackingNumber)
                carrierPrices.append(carrierPrice?.minorUnits)
                labels.append(labelPath)
            case .failover(let candidate):
                failover = candidate
                fallthrough
            default:
                tracking.append(nil)
                carrierPrices.append(nil)
                labels.append(nil)
            }
            reasons.append(reason)
            carriers.append(failover?.key.carrier)
            services.append(failover?.key.service)
            prices.append(failover?.price?.minorUnits)
            etas.append(failover?.eta)
            co2e.append(failover?.co2eGrams)
        }
        let booked = AttemptOutcome.booked.rawValue, failover = AttemptOutcome.failover.rawValue
        try await query(
            """
            UPDATE shipments s SET reason = u.reason,
                tracking_number = CASE WHEN u.kind = \(booked) THEN u.tracking_number ELSE s.tracking_number END,
                carrier_price_minor = CASE WHEN u.kind = \(booked) THEN u.carrier_price_minor ELSE s.carrier_price_minor END,
                label_path = CASE WHEN u.kind = \(booked) THEN u.label_path ELSE s.label_path END,
                carrier = CASE WHEN u.kind = \(failover) THEN u.carrier ELSE s.carrier END,
                service = CASE WHEN u.kind = \(failover) THEN u.service ELSE s.service END,
                price_minor = CASE WHEN u.kind = \(failover) THEN u.price_minor ELSE s.price_minor END,
                eta = CASE WHEN u.kind = \(failover) THEN u.eta ELSE s.eta END,
                co2e_g = CASE WHEN u.kind = \(failover) THEN u.co2e_g ELSE s.co2e_g END,
                attempts = s.attempts - CASE WHEN u.kind = \(AttemptOutcome.postponed.rawValue) THEN 1 ELSE 0 END
            FROM unnest(\(outcomes.map(\.shipment)), \(kinds), \(NullableArray(reasons)), \(NullableArray(tracking)),
                \(NullableArray(carrierPrices)), \(NullableArray(labels)), \(NullableArray(carriers)), \(NullableArray(services)),
                \(NullableArray(prices)), \(NullableArray(etas)), \(NullableArray(co2e)))
                AS u(id, kind, reason, tracking_number, carrier_price_minor, label_path, carrier, service, price_minor, eta, co2e_g)
            WHERE s.id = u.id
            """, logger: logger)
    }
}
