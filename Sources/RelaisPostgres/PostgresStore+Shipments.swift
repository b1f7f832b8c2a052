import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

extension PostgresStore {
    /// Creates shipments with their decisions in one transaction; returns their ids, drawn
    /// from the `shipment_seq` sequence (never reused, whichever node draws them).
    ///
    /// A handful of statements whatever the number of shipments: the numbers drawn, then
    /// the shipments, their orders' links, decisions, candidates and events, each one
    /// statement for all (`… FROM unnest(…)`).
    public func createShipments(_ shipments: [NewShipment], policy: Policy, actor: Actor, now: Int64) async throws -> [String] {
        guard !shipments.isEmpty else { return [] }
        return try await transaction("create shipments") { connection, logger in
            try await connection.recordPolicy(policy, now: now, logger: logger)
            var numbers: [(seq: Int64, decision: Int64)] = []
            numbers.reserveCapacity(shipments.count)
            for try await (seq, decision) in try await connection.query(
                """
                SELECT nextval('shipment_seq'), nextval(pg_get_serial_sequence('decisions', 'id'))
                FROM generate_series(1, \(shipments.count))
                """, logger: logger
            ).decode((Int64, Int64).self) {
                numbers.append((seq, decision))
            }
            guard numbers.count == shipments.count else { throw StoreError.notFound("numbers for \(shipments.count) shipments") }
            var rows = NewShipmentRows(now: now)
            var links: [(order: String, shipment: String)] = []
            var events: [EventRow] = [], held: [String] = []
            for (shipment, number) in zip(shipments, numbers) {
                let id = "S-\(number.seq)"
                let decision = shipment.decision
                let chosen = decision.chosen
                // A new shipment is queued; a decision that chose nothing holds it, as the
                // lifecycle's policy hold says.
                let state: ShipmentState = chosen == nil ? try ShipmentLifecycle.next(.queued, on: .policyHold).get() : .queued
                let reason = chosen == nil ? decision.holdReason : nil
                rows.append(
                    id: id, seq: number.seq, state: state, site: shipment.site, consolidationKey: shipment.consolidationKey,
                    decision: decision, decisionID: number.decision, reason: reason, parcels: shipment.parcels,
                    weightKg: shipment.weightKg, direction: .outbound)
                links += Set(shipment.orderIDs).map { ($0, id) }
                let summary = chosen.map { "\($0.key)\(decision.late ? " (late)" : "")" } ?? "held: \(reason ?? "")"
                events.append(
                    EventRow(
                        at: now, kind: .shipmentCreated, shipment: id, actor: actor,
                        detail: "orders \(shipment.orderIDs.joined(separator: ",")); policy \(policy.name) \(policy.sha256.prefix(12)); \(summary)"))
                if state == .held { held.append(id) }
            }
            try await connection.insertShipments(rows, logger: logger)
            // The orders' rows are locked in id order: two nodes deciding at once never wait
            // for each other crosswise.
            links.sort { $0.order < $1.order }
            let orders = links.map(\.order)
            var assigned = Set<String>()
            for try await id in try await connection.query(
                """
                UPDATE orders o SET shipment_id = u.shipment_id FROM unnest(\(orders), \(links.map(\.shipment))) AS u(id, shipment_id)
                WHERE o.id = u.id AND o.shipment_id IS NULL RETURNING o.id
                """, logger: logger
            ).decode(String.self) {
                assigned.insert(id)
            }
            // An order already in a shipment, unknown, or named by two of these shipments.
            if assigned.count != orders.count {
                let repeated = Dictionary(grouping: orders, by: { $0 }).filter { $0.value.count > 1 }.keys
                let refused = Set(orders).subtracting(assigned).union(repeated).sorted()
                throw StoreError.refused("orders \(refused.joined(separator: ",")) are not all pending")
            }
            try await connection.recordDecisions(
                shipments.indices.map { (shipments[$0].decision, rows.ids[$0], rows.decisionIDs[$0]) }, now: now, logger: logger)
            try await connection.recordEvents(events, logger: logger)
            // Held at decision time (the policy's hold): the shop hears of it as of any hold.
            for id in held { try await connection.writeOutboxEvent(.shipmentHeld, shipment: id, now: now, logger: logger) }
            return rows.ids
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
    /// The policy's text, once per version; part of the caller's transaction.
    func recordPolicy(_ policy: Policy, now: Int64, logger: Logger) async throws {
        try await query(
            """
            INSERT INTO policy_versions (sha256, name, text, first_seen_at) VALUES (\(policy.sha256), \(policy.name), \(policy.text), \(now))
            ON CONFLICT (sha256) DO NOTHING
            """, logger: logger)
    }

    /// Inserts new shipments in one statement, in their order.
    func insertShipments(_ rows: NewShipmentRows, logger: Logger) async throws {
        guard !rows.ids.isEmpty else { return }
        try await query(
            """
            INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, next_attempt_at,
                carrier, service, price_minor, currency, eta, co2e_g, late, reason, parcels, weight_kg, direction, decision_id)
            SELECT id, seq, state, site, consolidation_key, \(rows.now), \(rows.now), next_attempt_at,
                carrier, service, price_minor, currency, eta, co2e_g, late, reason, parcels, weight_kg, direction, decision_id
            FROM unnest(\(rows.ids), \(rows.seqs), \(rows.states), \(rows.sites), \(rows.consolidationKeys), \(NullableArray(rows.dues)),
                \(NullableArray(rows.carriers)), \(NullableArray(rows.services)), \(NullableArray(rows.prices)), \(rows.currencies),
                \(NullableArray(rows.etas)), \(NullableArray(rows.co2e)), \(rows.late), \(NullableArray(rows.reasons)), \(rows.parcels),
                \(rows.weights), \(rows.directions), \(rows.decisionIDs))
                WITH ORDINALITY AS s(id, seq, state, site, consolidation_key, next_attempt_at, carrier, service, price_minor,
                    currency, eta, co2e_g, late, reason, parcels, weight_kg, direction, decision_id, position)
            ORDER BY position
            """, logger: logger)
    }

    /// Records decisions under the ids drawn for them (`decisions`' identity sequence), and
    /// every candidate of every one: two statements whatever their number.
    func recordDecisions(_ decisions: [(decision: Decision, shipment: String, id: Int64)], now: Int64, logger: Logger) async throws {
        guard !decisions.isEmpty else { return }
        let all = decisions.map(\.decision)
        try await query(
            """
            INSERT INTO decisions (id, shipment_id, decided_at, policy_sha256, policy_name, rules_applied,
                chosen_carrier, chosen_service, late, held, currency, distance_basis, chosen_origin,
                requested_service, requested_honoured, requested_reasons, requested_origin)
            OVERRIDING SYSTEM VALUE
            SELECT id, shipment_id, \(now), policy_sha256, policy_name, rules_applied, chosen_carrier, chosen_service, late, held,
                currency, distance_basis, chosen_origin, requested_service, requested_honoured, requested_reasons, requested_origin
            FROM unnest(\(decisions.map(\.id)), \(decisions.map(\.shipment)), \(all.map(\.policySHA256)), \(all.map(\.policyName)),
                \(all.map { $0.rulesApplied.joined(separator: "\n") }), \(NullableArray(all.map(\.chosen?.key.carrier))),
                \(NullableArray(all.map(\.chosen?.key.service))), \(all.map(\.late)), \(all.map(\.held)), \(all.map(\.currency)),
                \(NullableArray(all.map(\.distanceBasis?.rawValue))), \(NullableArray(all.map(\.chosen?.origin))),
                \(NullableArray(all.map(\.requested?.key.description))), \(NullableArray(all.map(\.requested?.honoured))),
                \(NullableArray(all.map(\.requested?.recordedReasons))), \(NullableArray(all.map(\.requested?.origin))))
                WITH ORDINALITY AS d(id, shipment_id, policy_sha256, policy_name, rules_applied, chosen_carrier, chosen_service,
                    late, held, currency, distance_basis, chosen_origin, requested_service, requested_honoured, requested_reasons,
                    requested_origin, position)
            ORDER BY position
            """, logger: logger)
        var rows = CandidateRows()
        for entry in decisions {
            for (position, candidate) in entry.decision.candidates.enumerated() { rows.append(candidate, decision: entry.id, position: position) }
        }
        guard !rows.decisionIDs.isEmpty else { return }
        try await query(
            """
            INSERT INTO decision_candidates (decision_id, position, carrier, service, service_name, reasons, rank,
                price_minor, lead_days, eta_p50, eta_p90, eta_p99, co2e_g, data_quality, cost_units, km, origin)
            SELECT * FROM unnest(\(rows.decisionIDs), \(rows.positions), \(rows.carriers), \(rows.services), \(rows.names),
                \(rows.reasons), \(NullableArray(rows.ranks)), \(NullableArray(rows.prices)), \(NullableArray(rows.leadDays)),
                \(NullableArray(rows.p50)), \(NullableArray(rows.p90)), \(NullableArray(rows.p99)), \(NullableArray(rows.co2e)),
                \(rows.dataQuality), \(NullableArray(rows.costUnits)), \(NullableArray(rows.km)), \(NullableArray(rows.origins)))
            """, logger: logger)
    }
}
