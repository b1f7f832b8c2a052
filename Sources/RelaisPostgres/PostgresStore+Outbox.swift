import Foundation
import Logging
import PostgresNIO
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// The transactional outbox (SPEC §12) in PostgreSQL, for several nodes: events are written
/// in the transaction of the change they announce (``PostgresConnection/writeOutboxEvent(_:shipment:now:tracking:logger:)``),
/// and each node claims the deliveries it makes with `FOR UPDATE SKIP LOCKED`, stamped with
/// its name, their due time moved ahead by a lease: two nodes never make one attempt at
/// once, and a node that dies mid-attempt leaves its deliveries due again when the lease
/// runs out (at least once, with the same `evt_` id).
extension PostgresStore: OutboxLog {
    /// Puts the endpoints of relais.toml and the carriers' `tracking_url` templates in force
    /// for the events written from now on, for every node (nodes share one relais.toml).
    ///
    /// Nodes starting together configure one after the other, under an advisory lock of
    /// the schema: without it, two nodes replacing the templates at once both inserted the
    /// same carriers, and the second stopped on the unique key.
    @discardableResult
    public func configureOutbox(endpoints: [OutboxEndpointSetting], trackingURLs: [String: String]) async throws -> [Int64] {
        try await transaction("configure outbox") { connection, logger in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext('relais:outbox:' || current_schema()))", logger: logger)
            try await connection.query("UPDATE outbox_endpoints SET active = FALSE", logger: logger)
            var ids: [Int64] = []
            for endpoint in endpoints {
                let events = endpoint.events.map(\.rawValue).sorted().joined(separator: ",")
                guard
                    let id = try await connection.query(
                        """
                        INSERT INTO outbox_endpoints (target, active, events) VALUES (\(endpoint.target), TRUE, \(events))
                        ON CONFLICT (target) DO UPDATE SET active = TRUE, events = excluded.events
                        RETURNING id
                        """, logger: logger
                    ).collect().first?.decode(Int64.self)
                else { throw StoreError.refused("outbox endpoint \(endpoint.target) not written") }
                ids.append(id)
            }
            let templates = trackingURLs.sorted { $0.key < $1.key }
            try await connection.query(
                "DELETE FROM outbox_tracking_urls WHERE carrier <> ALL(\(templates.map(\.key)))", logger: logger)
            try await connection.query(
                """
                INSERT INTO outbox_tracking_urls (carrier, template)
                SELECT * FROM unnest(\(templates.map(\.key)), \(templates.map(\.value)))
                ON CONFLICT (carrier) DO UPDATE SET template = excluded.template
                """, logger: logger)
            return ids
        }
    }

    /// Claims up to `limit` events due at `endpoint` for this node, oldest due first, each
    /// shipment's earliest pending event only: rows another node is claiming are skipped
    /// (`SKIP LOCKED`), and a claimed event is not due again before `lease` milliseconds.
    ///
    /// A claim whose answer was lost with its connection is made again: the events the
    /// first claim took are due again when its lease runs out, never lost.
    public func claimOutboxDeliveries(endpoint: Int64, now: Int64, limit: Int, lease: Int64) async throws -> [OutboxDelivery] {
        guard limit > 0 else { return [] }
        let node = self.node
        return try await plainTransaction("claim outbox deliveries") { connection, logger in
            var binds = PostgresBindings(capacity: 5)
            binds.append(endpoint)
            binds.append(now)
            binds.append(Int64(limit))
            binds.append(now + lease)
            binds.append(node)
            let rows = try await connection.query(PostgresQuery(unsafeSQL: Self.claimDeliveries, binds: binds), logger: logger)
            var claimed: [(due: Int64, delivery: OutboxDelivery)] = []
            for try await row in rows {
                let delivery = try Self.delivery(row, endpoint: endpoint)
                claimed.append((try row.makeRandomAccess()[8].decode(Int64.self), delivery))
            }
            return claimed.sorted { ($0.due, $0.delivery.eventSeq) < ($1.due, $1.delivery.eventSeq) }.map(\.delivery)
        }
    }

    /// The events due at `endpoint`, as ``claimOutboxDeliveries(endpoint:now:limit:lease:)``
    /// finds them, without a lease: a read. For a single node only: two nodes reading the
    /// same events would both deliver them (relaisd on PostgreSQL claims).
    public func dueOutboxDeliveries(endpoint: Int64, now: Int64, limit: Int, excluding: Set<Int64>) async throws -> [OutboxDelivery] {
        guard limit > 0 else { return [] }
        return try await read("due outbox deliveries") { connection, logger in
            var binds = PostgresBindings(capacity: 3)
            binds.append(endpoint)
            binds.append(now)
            binds.append(Int64(limit + excluding.count))
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT d.event_seq, d.attempts, e.id, e.type, e.at, e.shipment_id, e.label_path, e.body
                        FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
                        WHERE \(Self.dueCondition)
                        ORDER BY d.next_attempt_at, d.event_seq LIMIT $3
                        """, binds: binds), logger: logger)
            var due: [OutboxDelivery] = []
            for try await row in rows {
                let delivery = try Self.delivery(row, endpoint: endpoint)
                if !excluding.contains(delivery.eventSeq), due.count < limit { due.append(delivery) }
            }
            return due
        }
    }

    /// Claims the first due deliveries of endpoint `$1` at time `$2`, at most `$3`, leased
    /// until `$4` by node `$5`. The index of schema v8 keeps them in this order: the scan
    /// stops at the rows it takes, whatever the backlog.
    static let claimDeliveries = """
        WITH due AS (
            SELECT d.endpoint_id, d.event_seq, d.next_attempt_at AS due_at FROM outbox_deliveries d
            WHERE \(dueCondition)
            ORDER BY d.next_attempt_at, d.event_seq LIMIT $3
            FOR UPDATE OF d SKIP LOCKED)
        UPDATE outbox_deliveries d SET next_attempt_at = $4, claimed_by = $5
        FROM due JOIN outbox_events e ON e.seq = due.event_seq
        WHERE d.endpoint_id = due.endpoint_id AND d.event_seq = due.event_seq
        RETURNING d.event_seq, d.attempts, e.id, e.type, e.at, e.shipment_id, e.label_path, e.body, due.due_at
        """

    /// Pending at `endpoint`, due at `now`, the endpoint not disabled, and no earlier event
    /// of the same shipment pending there (a later one waits while an earlier one is retried).
    /// The endpoint is `$1`, the time `$2`.
    static let dueCondition = """
        d.endpoint_id = $1 AND d.state = 'pending' AND d.next_attempt_at <= $2
            AND (SELECT disabled_at FROM outbox_endpoints WHERE id = $1) IS NULL
            AND (d.shipment_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM outbox_deliveries p
                WHERE p.endpoint_id = $1 AND p.shipment_id = d.shipment_id AND p.state = 'pending'
                    AND p.event_seq < d.event_seq))
        """

    /// A delivery from columns event_seq, attempts, id, type, at, shipment_id, label_path, body.
    static func delivery(_ row: PostgresRow, endpoint: Int64) throws -> OutboxDelivery {
        let (seq, attempts, id, type, at, shipment, label, body) = try row.decode(
            (Int64, Int, String, String, Int64, String?, String?, ByteBuffer).self)
        return OutboxDelivery(
            endpointID: endpoint, eventSeq: seq, eventID: id, type: type, at: at, shipmentID: shipment, labelPath: label,
            body: Array(body.readableBytesView), attempts: attempts)
    }

    /// Records the attempts' results in one transaction (idempotent: see ``transaction(_:token:_:)``).
    public func recordOutboxResults(_ results: [(OutboxDelivery, OutboxDeliveryResult)], now: Int64) async throws {
        guard !results.isEmpty else { return }
        try await transaction("record outbox results") { connection, logger in
            // The deliveries that went through, in one statement: most results, at any rate.
            let delivered = results.filter { if case .delivered = $0.1 { true } else { false } }.map(\.0)
            if !delivered.isEmpty {
                try await connection.query(
                    """
                    UPDATE outbox_deliveries d SET state = 'delivered', attempts = attempts + 1, last_attempt_at = \(now),
                        delivered_at = \(now), next_attempt_at = NULL, last_error = NULL
                    FROM unnest(\(delivered.map(\.endpointID)), \(delivered.map(\.eventSeq))) AS u(endpoint_id, event_seq)
                    WHERE d.endpoint_id = u.endpoint_id AND d.event_seq = u.event_seq AND d.state = 'pending'
                    """, logger: logger)
            }
            for (delivery, result) in results {
                let (endpoint, seq) = (delivery.endpointID, delivery.eventSeq)
                switch result {
                case .delivered:
                    continue
                case .retry(let at, let error):
                    try await connection.query(
                        """
                        UPDATE outbox_deliveries SET attempts = attempts + 1, last_attempt_at = \(now), next_attempt_at = \(at),
                            last_error = \(error)
                        WHERE endpoint_id = \(endpoint) AND event_seq = \(seq) AND state = 'pending'
                        """, logger: logger)
                case .dead(let error):
                    try await connection.query(
                        """
                        UPDATE outbox_deliveries SET state = 'dead', attempts = attempts + 1, last_attempt_at = \(now),
                            next_attempt_at = NULL, last_error = \(error)
                        WHERE endpoint_id = \(endpoint) AND event_seq = \(seq) AND state = 'pending'
                        """, logger: logger)
                    try await connection.recordEvent(
                        at: now, kind: .outboxDead, shipment: delivery.shipmentID, actor: Actor("outbox"),
                        detail: "\(delivery.eventID) (\(delivery.type)) to endpoint \(endpoint): \(error)", logger: logger)
                case .gone(let error):
                    try await connection.query(
                        """
                        UPDATE outbox_deliveries SET attempts = attempts + 1, last_attempt_at = \(now), next_attempt_at = \(now),
                            last_error = \(error)
                        WHERE endpoint_id = \(endpoint) AND event_seq = \(seq) AND state = 'pending'
                        """, logger: logger)
                    let disabled = try await connection.query(
                        """
                        UPDATE outbox_endpoints SET disabled_at = \(now), disabled_reason = \(error)
                        WHERE id = \(endpoint) AND disabled_at IS NULL RETURNING id
                        """, logger: logger
                    ).collect()
                    if !disabled.isEmpty {
                        try await connection.recordEvent(
                            at: now, kind: .outboxEndpointDisabled, actor: Actor("outbox"), detail: "endpoint \(endpoint): \(error)",
                            logger: logger)
                    }
                }
            }
        }
    }

    /// Events per delivery, newest first: `state` pending, delivered or dead; `endpoint`
    /// an endpoint id.
    public func outboxDeliveries(state: String?, endpoint: Int64?, limit: Int) async throws -> [OutboxDeliveryRecord] {
        let limit = Int64(max(1, min(limit, 10_000)))
        return try await read("outbox deliveries") { connection, logger in
            var records: [OutboxDeliveryRecord] = []
            for try await row in try await connection.query(
                """
                SELECT e.id, e.type, e.at, e.shipment_id, d.endpoint_id, p.target, d.state, d.attempts, d.next_attempt_at,
                    d.delivered_at, d.last_error
                FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
                JOIN outbox_endpoints p ON p.id = d.endpoint_id
                WHERE (\(state)::text IS NULL OR d.state = \(state)) AND (\(endpoint)::bigint IS NULL OR d.endpoint_id = \(endpoint))
                ORDER BY d.event_seq DESC, d.endpoint_id LIMIT \(limit)
                """, logger: logger)
            {
                let (id, type, at, shipment, endpointID, target, state, attempts, next, delivered) = try row.decode(
                    (String, String, Int64, String?, Int64, String, String, Int, Int64?, Int64?).self)
                records.append(
                    OutboxDeliveryRecord(
                        eventID: id, type: type, at: at, shipmentID: shipment, endpointID: endpointID, endpointTarget: target,
                        state: state, attempts: attempts, nextAttemptAt: next, deliveredAt: delivered,
                        lastError: try row.makeRandomAccess()[10].decode(String?.self)))
            }
            return records
        }
    }

    /// The body of an event as written, if it exists.
    public func outboxEventBody(id: String) async throws -> [UInt8]? {
        try await read("outbox event body") { connection, logger in
            try await connection.query("SELECT body FROM outbox_events WHERE id = \(id)", logger: logger).collect().first
                .map { Array(try $0.decode(ByteBuffer.self).readableBytesView) }
        }
    }

    /// Sends an event again to every endpoint it was for, with the same id and body.
    /// - Returns: the deliveries made pending.
    /// - Throws: ``StoreError`` not found.
    @discardableResult
    public func replayOutboxEvent(id: String, actor: Actor, now: Int64) async throws -> Int {
        try await transaction("replay outbox event") { connection, logger in
            guard let seq = try await connection.query("SELECT seq FROM outbox_events WHERE id = \(id)", logger: logger).collect().first?
                .decode(Int64.self)
            else { throw StoreError.notFound("outbox event \(id)") }
            let count = try await connection.query(
                """
                UPDATE outbox_deliveries SET state = 'pending', attempts = 0, next_attempt_at = \(now), delivered_at = NULL
                WHERE event_seq = \(seq) RETURNING endpoint_id
                """, logger: logger
            ).collect().count
            try await connection.recordEvent(at: now, kind: .outboxReplay, actor: actor, detail: "\(id) to \(count) endpoints", logger: logger)
            return count
        }
    }

    /// Enables an endpoint a `410 Gone` disabled; its pending events are due at once.
    /// - Returns: false when it was not disabled.
    @discardableResult
    public func enableOutboxEndpoint(id: Int64, actor: Actor, now: Int64) async throws -> Bool {
        try await transaction("enable outbox endpoint") { connection, logger in
            let enabled = try await connection.query(
                """
                UPDATE outbox_endpoints SET disabled_at = NULL, disabled_reason = NULL
                WHERE id = \(id) AND disabled_at IS NOT NULL RETURNING id
                """, logger: logger
            ).collect()
            guard !enabled.isEmpty else { return false }
            try await connection.query(
                "UPDATE outbox_deliveries SET next_attempt_at = \(now) WHERE endpoint_id = \(id) AND state = 'pending'", logger: logger)
            try await connection.recordEvent(at: now, kind: .outboxEndpointEnabled, actor: actor, detail: "endpoint \(id)", logger: logger)
            return true
        }
    }

    /// Every endpoint with its pending and dead counts and its oldest pending event, from
    /// the partial indexes.
    public func outboxBacklog() async throws -> [OutboxEndpointBacklog] {
        try await read("outbox backlog") { connection, logger in
            var backlog: [OutboxEndpointBacklog] = []
            for try await (id, target, active, disabledAt, reason, pending, dead, oldest) in try await connection.query(
                """
                SELECT p.id, p.target, p.active, p.disabled_at, p.disabled_reason,
                    (SELECT COUNT(*) FROM outbox_deliveries d WHERE d.endpoint_id = p.id AND d.state = 'pending'),
                    (SELECT COUNT(*) FROM outbox_deliveries d WHERE d.endpoint_id = p.id AND d.state = 'dead'),
                    (SELECT MIN(e.at) FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
                        WHERE d.endpoint_id = p.id AND d.state = 'pending')
                FROM outbox_endpoints p ORDER BY p.id
                """, logger: logger
            ).decode((Int64, String, Bool, Int64?, String?, Int, Int, Int64?).self) {
                backlog.append(
                    OutboxEndpointBacklog(
                        id: id, target: target, active: active, disabledAt: disabledAt, disabledReason: reason, pending: pending,
                        dead: dead, oldestPendingAt: oldest))
            }
            return backlog
        }
    }
}

extension PostgresConnection {
    /// Writes the outbox event announcing that shipment `id` entered `type`'s state, with
    /// one pending delivery per active endpoint that wants it; part of the caller's
    /// transaction, so the event exists exactly when the change does (SPEC §12).
    ///
    /// The body is the shipment as `GET /v1/shipments/{id}` shows it at this instant, plus
    /// `tracking_url` and `promised_by` (and `tracking` for `shipment.tracking`), frozen
    /// here. Nothing is written when no endpoint wants the type. `endpoints`, when the caller
    /// has read them (applyEvent, with its update), are the active endpoints that want it.
    func writeOutboxEvent(
        _ type: OutboxEventType, shipment id: String, now: Int64, tracking: ShipmentTrackingReply? = nil, endpoints: [Int64]? = nil,
        logger: Logger
    ) async throws {
        let wanting: [Int64]
        if let endpoints { wanting = endpoints } else { wanting = try await outboxEndpoints(wanting: type, logger: logger) }
        try await writeOutboxEvents([(type, id, wanting, tracking)], now: now, logger: logger)
    }

    /// Writes the events of shipments' changes in one transaction, each to the endpoints
    /// given with it: the shipments (with their promised dates, tracking templates and
    /// orders) read back in one statement, their attempts in another, then one insert per
    /// event. Each shipment appears once; `tracking` is a `shipment.tracking` event's.
    func writeOutboxEvents(
        _ events: [(type: OutboxEventType, shipment: String, endpoints: [Int64], tracking: ShipmentTrackingReply?)], now: Int64,
        logger: Logger
    ) async throws {
        let events = events.filter { !$0.endpoints.isEmpty }
        guard !events.isEmpty else { return }
        let ids = events.map(\.shipment)
        var found: [String: (record: ShipmentRecord, promisedBy: String?, template: String?)] = [:]
        for try await row in try await query(
            """
            SELECT x.*, (SELECT MIN(o.body::jsonb ->> 'promised_by') FROM orders o WHERE o.shipment_id = x.id),
                (SELECT u.template FROM outbox_tracking_urls u WHERE u.carrier = x.carrier),
                ARRAY(SELECT o.id FROM orders o WHERE o.shipment_id = x.id ORDER BY o.id)
            FROM (\(unescaped: PostgresStore.shipmentSelect) WHERE s.id = ANY(\(ids))) x
            """, logger: logger
        ) {
            let columns = row.makeRandomAccess()
            let record = try PostgresStore.shipmentRecord(row, orders: try columns[PostgresStore.shipmentColumns + 2].decode([String].self))
            found[record.id] = (
                record, try columns[PostgresStore.shipmentColumns].decode(String?.self),
                try columns[PostgresStore.shipmentColumns + 1].decode(String?.self)
            )
        }
        let attempts = try await PostgresStore.attempts(shipments: ids, self, logger)
        for event in events {
            guard let (record, promisedBy, template) = found[event.shipment] else { throw StoreError.notFound("shipment \(event.shipment)") }
            var data = ShipmentReply(record, attempts: attempts[event.shipment] ?? [])
            data.tracking = event.tracking
            data.promisedBy = promisedBy
            if let template, let number = record.trackingNumber {
                data.trackingURL = OutboxBody.trackingURL(template: template, trackingNumber: number)
            }
            try await insertOutboxEvent(
                event.type, data: data, shipment: event.shipment, labelPath: record.labelPath, endpoints: event.endpoints, now: now,
                logger: logger)
        }
    }

    /// Writes an event that is not a shipment's (`manifest.closed`), with its `data`.
    func writeOutboxEvent(_ type: OutboxEventType, data: some Encodable, now: Int64, logger: Logger) async throws {
        let wanting = try await outboxEndpoints(wanting: type, logger: logger)
        guard !wanting.isEmpty else { return }
        try await insertOutboxEvent(type, data: data, shipment: nil, labelPath: nil, endpoints: wanting, now: now, logger: logger)
    }

    /// The active endpoints that want `type` ('' wants every type).
    private func outboxEndpoints(wanting type: OutboxEventType, logger: Logger) async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in try await query(
            """
            SELECT id FROM outbox_endpoints
            WHERE active AND (events = '' OR \(type.rawValue) = ANY(string_to_array(events, ','))) ORDER BY id
            """, logger: logger
        ).decode(Int64.self) {
            ids.append(id)
        }
        return ids
    }

    /// The event, frozen, and one pending delivery per endpoint, in one statement.
    private func insertOutboxEvent(
        _ type: OutboxEventType, data: some Encodable, shipment id: String?, labelPath: String?, endpoints: [Int64], now: Int64,
        logger: Logger
    ) async throws {
        let eventID = OutboxBody.newEventID(now: now)
        let body = ByteBuffer(bytes: try OutboxBody.encode(id: eventID, type: type.rawValue, at: now, data: data))
        try await query(
            """
            WITH event AS (
                INSERT INTO outbox_events (id, type, at, shipment_id, label_path, body)
                VALUES (\(eventID), \(type.rawValue), \(now), \(id), \(labelPath), \(body)) RETURNING seq)
            INSERT INTO outbox_deliveries (endpoint_id, event_seq, shipment_id, state, next_attempt_at)
            SELECT endpoint, event.seq, \(id), 'pending', \(now) FROM event, unnest(\(endpoints)::bigint[]) AS endpoint
            """, logger: logger)
    }
}
