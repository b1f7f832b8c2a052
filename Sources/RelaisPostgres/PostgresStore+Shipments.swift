import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

extension PostgresStore {
    /// Creates shipments with their decisions in one transaction; returns their ids, drawn
    /// from the `shipment_seq` sequence (never reused, whichever node draws them).
    public func createShipments(_ shipments: [NewShipment], policy: Policy, actor: Actor, now: Int64) async throws -> [String] {
        guard !shipments.isEmpty else { return [] }
        return try await transaction("create shipments") { connection, logger in
            try await connection.query(
                """
                INSERT INTO policy_versions (sha256, name, text, first_seen_at) VALUES (\(policy.sha256), \(policy.name), \(policy.text), \(now))
                ON CONFLICT (sha256) DO NOTHING
                """, logger: logger)
            var sequence: [Int64] = []
            for try await seq in try await connection.query(
                "SELECT nextval('shipment_seq') FROM generate_series(1, \(shipments.count))", logger: logger
            ).decode(Int64.self) {
                sequence.append(seq)
            }
            var ids: [String] = []
            for (shipment, seq) in zip(shipments, sequence) {
                let id = "S-\(seq)"
                let decision = shipment.decision
                let chosen = decision.chosen
                // A new shipment is queued; a decision that chose nothing holds it, as the
                // lifecycle's policy hold says.
                let state: ShipmentState = chosen == nil ? try ShipmentLifecycle.next(.queued, on: .policyHold).get() : .queued
                let reason = chosen == nil ? decision.holdReason : nil
                let due: Int64? = state == .queued ? now : nil
                try await connection.query(
                    """
                    INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, next_attempt_at,
                        carrier, service, price_minor, currency, eta, co2e_g, late, reason, parcels, weight_kg)
                    VALUES (\(id), \(seq), \(state.rawValue), \(shipment.site), \(shipment.consolidationKey), \(now), \(now), \(due),
                        \(chosen?.key.carrier), \(chosen?.key.service), \(chosen?.price?.minorUnits), \(decision.currency),
                        \(chosen?.eta?.p50.description), \(chosen?.co2eGrams), \(decision.late), \(reason), \(shipment.parcels),
                        \(shipment.weightKg))
                    """, logger: logger)
                let assigned = try await connection.query(
                    "UPDATE orders SET shipment_id = \(id) WHERE id = ANY(\(shipment.orderIDs)) AND shipment_id IS NULL RETURNING id",
                    logger: logger
                ).collect()
                guard assigned.count == Set(shipment.orderIDs).count else {
                    throw StoreError.refused("orders \(shipment.orderIDs.joined(separator: ",")) are not all pending")
                }
                let decisionID = try await connection.recordDecision(decision, shipment: id, now: now, logger: logger)
                try await connection.query("UPDATE shipments SET decision_id = \(decisionID) WHERE id = \(id)", logger: logger)
                let summary = chosen.map { "\($0.key)\(decision.late ? " (late)" : "")" } ?? "held: \(reason ?? "")"
                try await connection.recordEvent(
                    at: now, kind: .shipmentCreated, shipment: id, actor: actor,
                    detail: "orders \(shipment.orderIDs.joined(separator: ",")); policy \(policy.name) \(policy.sha256.prefix(12)); \(summary)",
                    logger: logger)
                // Held at decision time (the policy's hold): the shop hears of it as of any hold.
                if state == .held { try await connection.writeOutboxEvent(.shipmentHeld, shipment: id, now: now, logger: logger) }
                ids.append(id)
            }
            return ids
        }
    }


    /// Extends the lease of every shipment this node holds in `booking`.
    public func renewClaims(now: Instant) async throws {
        let node = self.node
        let leaseUntil = (now + lease).millisecondsSinceEpoch
        try await transaction("renew claims") { connection, logger in
            _ = try await connection.query(
                "UPDATE shipments SET lease_until = \(leaseUntil) WHERE state = 'booking' AND claimed_by = \(node)", logger: logger)
        }
    }

    /// Per node holding shipments in `booking`: how many, and its latest lease.
    public func claimsByNode() async throws -> [NodeClaims] {
        try await read("claims by node") { connection, logger in
            var claims: [NodeClaims] = []
            for try await (node, count, leaseUntil) in try await connection.query(
                """
                SELECT claimed_by, COUNT(*), MAX(COALESCE(lease_until, 0)) FROM shipments
                WHERE state = 'booking' AND claimed_by IS NOT NULL GROUP BY claimed_by ORDER BY claimed_by
                """, logger: logger
            ).decode((String, Int, Int64).self) {
                claims.append(NodeClaims(node: node, shipments: count, leaseUntil: leaseUntil))
            }
            return claims
        }
    }

    /// At start-up (and when booking starts again after a store error), every shipment this
    /// node left in `booking`, and any whose lease expired, becomes `uncertain` through the
    /// lifecycle's `recoveredAfterCrash` event. Another node's live claims are left alone.
    /// This node's own rows are all taken, waiting for a lock if need be (within
    /// `lock_timeout`, then retried): one skipped would stay `booking`, its lease renewed by
    /// this node's booking loop, forever. Expired rows of others that another node is
    /// changing right now are skipped (`SKIP LOCKED`), not waited for.
    public func recoverInterruptedBookings(now: Instant) async throws -> [String] {
        try await recover(now: now, ownClaims: true)
    }

    /// While running: the claims of other nodes whose lease expired (a node that crashed or
    /// lost the database) become `uncertain`; this node's own claims, renewed while it
    /// runs, are never touched. relaisd calls it every third of a lease.
    public func recoverExpiredClaims(now: Instant) async throws -> [String] {
        try await recover(now: now, ownClaims: false)
    }

    private func recover(now: Instant, ownClaims: Bool) async throws -> [String] {
        let node = ownClaims ? self.node : nil
        let millis = now.millisecondsSinceEpoch
        return try await transaction("recover interrupted bookings") { connection, logger in
            var ids: [String] = []
            if let node {
                for try await id in try await connection.query(
                    "SELECT id FROM shipments WHERE state = 'booking' AND claimed_by = \(node) ORDER BY seq FOR UPDATE", logger: logger
                ).decode(String.self) {
                    ids.append(id)
                }
            }
            // This node's own rows were taken above; while running (no node given), the
            // expired rows of every node ('' is no node's name).
            let own = node ?? ""
            for try await id in try await connection.query(
                """
                SELECT id FROM shipments WHERE state = 'booking'
                    AND (claimed_by IS NULL OR COALESCE(lease_until, 0) <= \(millis)) AND claimed_by IS DISTINCT FROM \(own)
                ORDER BY seq FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode(String.self) {
                ids.append(id)
            }
            for id in ids {
                try await connection.query(
                    "UPDATE shipments SET reason = \(ShipmentTransition.recoveredReason) WHERE id = \(id)", logger: logger)
                try await connection.applyEvent(
                    .recoveredAfterCrash, to: id, actor: .recovery, now: millis, nextAttemptAt: millis,
                    detail: ownClaims
                        ? "found in booking at start-up: the outcome of its carrier call is unknown"
                        : "its node's lease expired: the outcome of its carrier call is unknown", logger: logger)
            }
            return ids
        }
    }

    /// Applies a lifecycle event to one shipment and logs it, in one transaction.
    @discardableResult
    public func apply(_ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, nextAttemptAt: Int64?, detail: String)
        async throws -> ShipmentState
    {
        try await transaction("apply \(event)") { connection, logger in
            try await connection.applyEvent(event, to: id, actor: actor, now: now, nextAttemptAt: nextAttemptAt, detail: detail, logger: logger)
        }
    }
}

extension PostgresConnection {
    /// Applies a lifecycle event to one shipment and logs it, in the caller's transaction:
    /// the one choke point for state changes. The row is locked first (`FOR UPDATE`), so two
    /// nodes cannot both move it from the state they read.
    @discardableResult
    func applyEvent(
        _ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, nextAttemptAt: Int64? = nil, detail: String = "",
        logger: Logger
    ) async throws -> ShipmentState {
        guard
            let row = try await query("SELECT state, direction FROM shipments WHERE id = \(id) FOR UPDATE", logger: logger).collect().first
        else { throw StoreError.notFound("shipment \(id)") }
        let (stateName, direction) = try row.decode((String, String).self)
        guard let current = ShipmentState(rawValue: stateName) else { throw StoreError.notFound("shipment \(id) in a known state") }
        let transition = try ShipmentTransition(shipment: id, from: current, on: event, now: now, nextAttemptAt: nextAttemptAt)
        let (next, due) = (transition.next, transition.due)
        let bookedAt: Int64? = next == .booked ? now : nil
        // The transactional outbox: the shop hears of the change in the same transaction. The
        // endpoints that want it come back with the update: no round trip of their own.
        var announced = next != current ? OutboxEventType.announcing(next) : nil
        // A return's booking is `return.booked` (SPEC §12, §14).
        if announced == .shipmentBooked, direction == Direction.return.rawValue { announced = .returnBooked }
        let endpoints = try await query(
            """
            UPDATE shipments SET state = \(next.rawValue), updated_at = \(now), next_attempt_at = \(due),
                booked_at = COALESCE(\(bookedAt), booked_at)
            WHERE id = \(id)
            RETURNING ARRAY(
                SELECT p.id FROM outbox_endpoints p
                WHERE p.active AND (p.events = '' OR \(announced?.rawValue)::text = ANY(string_to_array(p.events, ',')))
                    AND \(announced?.rawValue)::text IS NOT NULL
                ORDER BY p.id)
            """, logger: logger
        ).collect().first?.decode([Int64].self) ?? []
        try await recordEvent(
            at: now, kind: .shipment(event), shipment: id, actor: actor,
            detail: "\(current.rawValue) → \(next.rawValue)\(detail.isEmpty ? "" : ": \(detail)")", logger: logger)
        if let announced, !endpoints.isEmpty {
            try await writeOutboxEvent(announced, shipment: id, now: now, endpoints: endpoints, logger: logger)
        }
        return next
    }

    /// Records a decision and every candidate (one INSERT for all candidates), in the
    /// caller's transaction; returns its id.
    func recordDecision(_ decision: Decision, shipment: String, now: Int64, logger: Logger) async throws -> Int64 {
        let rules = decision.rulesApplied.joined(separator: "\n")
        guard
            let id = try await query(
                """
                INSERT INTO decisions (shipment_id, decided_at, policy_sha256, policy_name, rules_applied,
                    chosen_carrier, chosen_service, late, held, currency, distance_basis, chosen_origin,
                    requested_service, requested_honoured, requested_reasons, requested_origin)
                VALUES (\(shipment), \(now), \(decision.policySHA256), \(decision.policyName), \(rules),
                    \(decision.chosen?.key.carrier), \(decision.chosen?.key.service), \(decision.late), \(decision.held),
                    \(decision.currency), \(decision.distanceBasis?.rawValue), \(decision.chosen?.origin),
                    \(decision.requested?.key.description), \(decision.requested?.honoured), \(decision.requested?.recordedReasons),
                    \(decision.requested?.origin))
                RETURNING id
                """, logger: logger
            ).collect().first?.decode(Int64.self)
        else { throw StoreError.notFound("decision id for \(shipment)") }
        guard !decision.candidates.isEmpty else { return id }
        let columns = 17
        var bindings = PostgresBindings(capacity: decision.candidates.count * columns)
        var rows: [String] = []
        for (position, candidate) in decision.candidates.enumerated() {
            let base = rows.count * columns
            rows.append("(" + (1...columns).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            bindings.append(id)
            bindings.append(Int64(position))
            bindings.append(candidate.key.carrier)
            bindings.append(candidate.key.service)
            bindings.append(candidate.serviceName)
            bindings.append(candidate.reasons.codes.map(\.rawValue).joined(separator: ","))
            bindings.append(candidate.rank.map(Int64.init))
            bindings.append(candidate.price?.minorUnits)
            bindings.append(candidate.leadDays.map(Int64.init))
            bindings.append(candidate.eta?.p50.description)
            bindings.append(candidate.eta?.p90.description)
            bindings.append(candidate.eta?.p99.description)
            bindings.append(candidate.co2eGrams)
            bindings.append(Int64(candidate.dataQuality))
            bindings.append(candidate.cost?.units)
            bindings.append(candidate.distanceKm)
            bindings.append(candidate.origin)
        }
        try await query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO decision_candidates (decision_id, position, carrier, service, service_name, reasons, rank,
                        price_minor, lead_days, eta_p50, eta_p90, eta_p99, co2e_g, data_quality, cost_units, km, origin)
                    VALUES \(rows.joined(separator: ", "))
                    """, binds: bindings), logger: logger)
        return id
    }
}
