import Logging
import PostgresNIO
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// A row of the event log, written with others in one statement
/// (``PostgresConnection/recordEvents(_:logger:)``).
struct EventRow: Sendable {
    var at: Int64
    var kind: EventKind
    var shipment: String?
    var order: String?
    var carrier: String?
    var actor: Actor
    var detail: String
}

/// A shipment's row as a transaction locked it: what a state change starts from.
struct LockedShipment: Sendable {
    var state: ShipmentState
    var direction: String
    var claimedBy: String?
}

/// One lifecycle event for one shipment, applied with others in one statement
/// (``PostgresConnection/applyEvents(_:locked:actor:now:logger:)``).
struct StateChange: Sendable {
    var shipment: String
    var event: ShipmentEvent
    var nextAttemptAt: Int64?
    var detail: String
}

extension PostgresConnection {
    /// Appends to the event log; part of the caller's transaction.
    func recordEvent(
        at now: Int64, kind: EventKind, shipment: String? = nil, order: String? = nil, carrier: String? = nil, actor: Actor,
        detail: String, logger: Logger
    ) async throws {
        try await recordEvents(
            [EventRow(at: now, kind: kind, shipment: shipment, order: order, carrier: carrier, actor: actor, detail: detail)],
            logger: logger)
    }

    /// Appends rows to the event log in one statement, in their order (the log's ids
    /// follow it); part of the caller's transaction.
    func recordEvents(_ rows: [EventRow], logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        try await query(
            """
            INSERT INTO events (at, kind, shipment_id, order_id, carrier, actor, uid, detail)
            SELECT at, kind, shipment_id, order_id, carrier, actor, uid, detail
            FROM unnest(\(rows.map(\.at)), \(rows.map(\.kind.name)), \(NullableArray(rows.map(\.shipment))),
                \(NullableArray(rows.map(\.order))), \(NullableArray(rows.map(\.carrier))), \(rows.map(\.actor.name)),
                \(NullableArray(rows.map { $0.actor.uid.map(Int64.init) })), \(rows.map(\.detail)))
                WITH ORDINALITY AS e(at, kind, shipment_id, order_id, carrier, actor, uid, detail, position)
            ORDER BY position
            """, logger: logger)
    }

    /// Locks the shipments' rows for the rest of the transaction, in id order (two
    /// transactions locking overlapping sets never wait for each other crosswise), and
    /// returns them. An id without a row is missing from the result.
    func lockShipments(_ ids: [String], logger: Logger) async throws -> [String: LockedShipment] {
        var locked: [String: LockedShipment] = [:]
        locked.reserveCapacity(ids.count)
        for try await (id, stateName, direction, claimedBy) in try await query(
            "SELECT id, state, direction, claimed_by FROM shipments WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE", logger: logger
        ).decode((String, String, String, String?).self) {
            guard let state = ShipmentState(rawValue: stateName) else { throw StoreError.notFound("shipment \(id) in a known state") }
            locked[id] = LockedShipment(state: state, direction: direction, claimedBy: claimedBy)
        }
        return locked
    }

    /// Applies a lifecycle event to one shipment and logs it, in the caller's transaction:
    /// the row is locked first (`FOR UPDATE`), so two nodes cannot both move it from the
    /// state they read.
    @discardableResult
    func applyEvent(
        _ event: ShipmentEvent, to id: String, actor: Actor, now: Int64, nextAttemptAt: Int64? = nil, detail: String = "",
        logger: Logger
    ) async throws -> ShipmentState {
        let locked = try await lockShipments([id], logger: logger)
        let change = StateChange(shipment: id, event: event, nextAttemptAt: nextAttemptAt, detail: detail)
        return try await applyEvents([change], locked: locked, actor: actor, now: now, logger: logger)[0]
    }

    /// Applies lifecycle events to shipments whose rows the caller's transaction has locked
    /// (``lockShipments(_:logger:)``), one per shipment, and logs them: the one choke point
    /// for state changes. Every transition is checked against the lifecycle before anything
    /// is written; one refused refuses them all. Then one statement changes the rows, one
    /// logs the events, and each change that announces something writes its outbox event
    /// (SPEC §12) in the same transaction. Returns the new states, in the changes' order.
    ///
    /// - Precondition: each shipment appears once in `changes`.
    @discardableResult
    func applyEvents(
        _ changes: [StateChange], locked: [String: LockedShipment], actor: Actor, now: Int64, logger: Logger
    ) async throws -> [ShipmentState] {
        guard !changes.isEmpty else { return [] }
        var ids: [String] = [], states: [String] = [], dues: [Int64?] = [], bookedAt: [Int64?] = [], announcing: [String?] = []
        var next: [ShipmentState] = [], events: [EventRow] = [], seen = Set<String>()
        for change in changes {
            guard let row = locked[change.shipment] else { throw StoreError.notFound("shipment \(change.shipment)") }
            guard seen.insert(change.shipment).inserted else { throw StoreError.refused("shipment \(change.shipment) changed twice in one statement") }
            let transition = try ShipmentTransition(
                shipment: change.shipment, from: row.state, on: change.event, now: now, nextAttemptAt: change.nextAttemptAt)
            var announced = transition.next != row.state ? OutboxEventType.announcing(transition.next) : nil
            // A return's booking is `return.booked` (SPEC §12, §14).
            if announced == .shipmentBooked, row.direction == Direction.return.rawValue { announced = .returnBooked }
            ids.append(change.shipment)
            states.append(transition.next.rawValue)
            dues.append(transition.due)
            bookedAt.append(transition.next == .booked ? now : nil)
            announcing.append(announced?.rawValue)
            next.append(transition.next)
            events.append(
                EventRow(
                    at: now, kind: .shipment(change.event), shipment: change.shipment, actor: actor,
                    detail: "\(row.state.rawValue) → \(transition.next.rawValue)\(change.detail.isEmpty ? "" : ": \(change.detail)")"))
        }
        // The endpoints that want each announcement come back with the update: no round
        // trip of their own.
        var wanting: [String: [Int64]] = [:]
        for try await (id, endpoints) in try await query(
            """
            UPDATE shipments s SET state = u.state, updated_at = \(now), next_attempt_at = u.due,
                booked_at = COALESCE(u.booked_at, s.booked_at)
            FROM unnest(\(ids), \(states), \(NullableArray(dues)), \(NullableArray(bookedAt)), \(NullableArray(announcing)))
                AS u(id, state, due, booked_at, announced)
            WHERE s.id = u.id
            RETURNING s.id, ARRAY(
                SELECT p.id FROM outbox_endpoints p
                WHERE u.announced IS NOT NULL AND p.active
                    AND (p.events = '' OR u.announced = ANY(string_to_array(p.events, ',')))
                ORDER BY p.id)
            """, logger: logger
        ).decode((String, [Int64]).self) where !endpoints.isEmpty {
            wanting[id] = endpoints
        }
        try await recordEvents(events, logger: logger)
        // The announcements' events together: their shipments read back in one statement.
        var outbox: [(type: OutboxEventType, shipment: String, endpoints: [Int64], tracking: ShipmentTrackingReply?)] = []
        for (index, id) in ids.enumerated() {
            guard let endpoints = wanting[id], let type = announcing[index].flatMap(OutboxEventType.init(rawValue:)) else { continue }
            outbox.append((type, id, endpoints, nil))
        }
        try await writeOutboxEvents(outbox, now: now, logger: logger)
        return next
    }
}
