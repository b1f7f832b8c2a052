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
            for try await (shipment, body) in try await connection.query(
                "SELECT shipment_id, body FROM orders WHERE shipment_id = ANY(\(ids)) ORDER BY id", logger: logger
            ).decode((String, String).self) {
                assembly.bodies[shipment, default: []].append(body)
            }
            // A return's body is its `returns` row: the customer's address, the parcels coming back.
            for try await (shipment, body) in try await connection.query(
                "SELECT shipment_id, body FROM returns WHERE shipment_id = ANY(\(ids))", logger: logger
            ).decode((String, String).self) {
                assembly.bodies[shipment, default: []].append(body)
                assembly.returns.insert(shipment)
            }
            for try await (id, createdAt) in try await connection.query(
                "SELECT id, created_at FROM shipments WHERE id = ANY(\(ids))", logger: logger
            ).decode((String, Int64).self) {
                assembly.created[id] = createdAt
            }
            for try await (id, carrier, service, price, eta, co2e) in try await connection.query(
                """
                SELECT s.id, c.carrier, c.service, c.price_minor, c.eta_p50, c.co2e_g
                FROM shipments s JOIN decision_candidates c ON c.decision_id = s.decision_id
                WHERE s.id = ANY(\(ids)) AND (c.rank IS NOT NULL OR c.reasons = 'promise')
                    -- failover stays at the origin chosen: the parcels are prepared there
                    AND (c.origin IS NULL OR c.origin = s.site)
                ORDER BY s.id, c.rank IS NULL, c.rank, c.lead_days, c.cost_units
                """, logger: logger
            ).decode((String, String, String, Int64?, String?, Double?).self) {
                assembly.candidates[id, default: []].append(
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

    /// Applies booking outcomes in one transaction, each through the lifecycle.
    ///
    /// - Important: Call only after the label files of booked outcomes are durable.
    public func commit(_ outcomes: [BookingOutcome], breakerOpenings: [BreakerOpening], now: Instant) async throws {
        guard !outcomes.isEmpty || !breakerOpenings.isEmpty else { return }
        let now = now.millisecondsSinceEpoch
        let node = self.node
        try await transaction("commit outcomes") { connection, logger in
            for opening in breakerOpenings {
                try await connection.recordEvent(
                    at: opening.at.millisecondsSinceEpoch, kind: .breakerOpened, carrier: opening.carrier, actor: .booking,
                    detail: opening.detail, logger: logger)
            }
            for outcome in outcomes {
                let event: ShipmentEvent
                let attemptOutcome: AttemptOutcome
                var tracking: String?
                switch outcome.result {
                case .booked(let trackingNumber, _, _):
                    event = .booked
                    attemptOutcome = .booked
                    tracking = trackingNumber
                case .deferred:
                    event = .transientFailure
                    attemptOutcome = .deferred
                case .postponed:
                    event = .transientFailure
                    attemptOutcome = .postponed
                case .failover:
                    event = .failover
                    attemptOutcome = .failover
                case .uncertain:
                    event = .outcomeUnknown
                    attemptOutcome = .uncertain
                case .failed:
                    event = .permanentFailure
                    attemptOutcome = .failed
                }
                let nextAttemptAt: Int64? =
                    switch outcome.result {
                    case .deferred(let until), .postponed(let until): until.millisecondsSinceEpoch
                    case .uncertain: now
                    default: nil
                    }
                let id = outcome.shipment
                guard try await connection.stillHolds(id, node: node, logger: logger) else {
                    // This node's lease expired while the call ran (it stalled or lost the
                    // database) and another node made the shipment `uncertain`: the outcome
                    // is recorded, and settles the shipment only if it is a booking of a
                    // still-uncertain shipment; anything else is left to reconciliation.
                    try await connection.recordLateOutcome(
                        outcome, attemptOutcome: attemptOutcome, tracking: tracking, node: node, now: now, logger: logger)
                    continue
                }
                // The columns and the attempt first, the state change last: the outbox event that
                // applyEvent writes shows the tracking number, the label and this attempt.
                switch outcome.result {
                case .booked(let trackingNumber, let carrierPrice, let labelPath):
                    try await connection.query(
                        """
                        UPDATE shipments SET tracking_number = \(trackingNumber), carrier_price_minor = \(carrierPrice?.minorUnits),
                            label_path = \(labelPath), reason = NULL WHERE id = \(id)
                        """, logger: logger)
                case .deferred, .uncertain, .failed:
                    try await connection.query("UPDATE shipments SET reason = \(outcome.detail) WHERE id = \(id)", logger: logger)
                case .postponed:
                    try await connection.query(
                        "UPDATE shipments SET reason = \(outcome.detail), attempts = attempts - 1 WHERE id = \(id)", logger: logger)
                case .failover(let candidate):
                    try await connection.query(
                        """
                        UPDATE shipments SET carrier = \(candidate.key.carrier), service = \(candidate.key.service),
                            price_minor = \(candidate.price?.minorUnits), eta = \(candidate.eta), co2e_g = \(candidate.co2eGrams),
                            reason = \(outcome.detail)
                        WHERE id = \(id)
                        """, logger: logger)
                }
                if case .postponed = outcome.result {} else {
                    try await connection.recordAttempt(outcome, attemptOutcome: attemptOutcome, tracking: tracking, logger: logger)
                }
                try await connection.applyEvent(
                    event, to: outcome.shipment, actor: .booking, now: now, nextAttemptAt: nextAttemptAt,
                    detail: "\(outcome.carrier)/\(outcome.service): \(attemptOutcome.rawValue)\(outcome.detail.isEmpty ? "" : " — \(outcome.detail)")",
                    logger: logger)
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
    /// Whether `node` still holds its claim on the shipment (locked for the rest of the
    /// transaction): `booking`, stamped with this node.
    func stillHolds(_ id: String, node: String, logger: Logger) async throws -> Bool {
        guard let row = try await query("SELECT state, claimed_by FROM shipments WHERE id = \(id) FOR UPDATE", logger: logger).collect().first
        else { throw StoreError.notFound("shipment \(id)") }
        let (state, holder) = try row.decode((String, String?).self)
        return state == PostgresStore.claimedState.rawValue && holder == node
    }

    /// An outcome that arrived after this node's claim was taken over. A booking of a shipment
    /// still `uncertain` settles it (the carrier's answer is the lookup's answer); anything
    /// else only goes in the records.
    func recordLateOutcome(
        _ outcome: BookingOutcome, attemptOutcome: AttemptOutcome, tracking: String?, node: String, now: Int64, logger: Logger
    ) async throws {
        let id = outcome.shipment
        let state = try await query("SELECT state FROM shipments WHERE id = \(id)", logger: logger).collect().first?.decode(String.self)
        if case .postponed = outcome.result {} else {
            // The attempt and the columns before the state change: its outbox event shows them.
            try await recordAttempt(outcome, attemptOutcome: attemptOutcome, tracking: tracking, logger: logger)
        }
        if case .booked(let trackingNumber, let carrierPrice, let labelPath) = outcome.result, state == ShipmentState.uncertain.rawValue {
            try await query(
                """
                UPDATE shipments SET tracking_number = \(trackingNumber), carrier_price_minor = \(carrierPrice?.minorUnits),
                    label_path = \(labelPath), reason = NULL WHERE id = \(id)
                """, logger: logger)
            try await applyEvent(
                .reconciled(booked: true), to: id, actor: .booking, now: now,
                detail: "\(outcome.carrier) booked it as \(trackingNumber) for \(node) after its claim was taken over", logger: logger)
        } else {
            try await recordEvent(
                at: now, kind: EventKind(recorded: "shipment.late-outcome"), shipment: id, actor: .booking,
                detail: "\(outcome.carrier)/\(outcome.service): \(attemptOutcome.rawValue) reached \(node) after its claim was taken over (now \(state ?? "?")): left as it is",
                logger: logger)
        }
    }

    func recordAttempt(_ outcome: BookingOutcome, attemptOutcome: AttemptOutcome, tracking: String?, logger: Logger) async throws {
        let duration = max(0, (outcome.finishedAt - outcome.startedAt).wholeMilliseconds)
        let status = outcome.httpStatus.map(Int64.init)
        try await query(
            """
            INSERT INTO booking_attempts (shipment_id, carrier, service, started_at, finished_at, outcome,
                failure_class, detail, http_status, duration_ms, tracking_number)
            VALUES (\(outcome.shipment), \(outcome.carrier), \(outcome.service), \(outcome.startedAt.millisecondsSinceEpoch),
                \(outcome.finishedAt.millisecondsSinceEpoch), \(attemptOutcome.rawValue), \(outcome.failureClass?.rawValue),
                \(outcome.detail), \(status), \(duration), \(tracking))
            """, logger: logger)
    }
}
