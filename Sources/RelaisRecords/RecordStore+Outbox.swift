import Foundation
import GRDB
import RelaisControlAPI
import RelaisCore
import RelaisStore

extension RecordStore {
    /// Puts the endpoints of relais.toml and the carriers' `tracking_url` templates in force
    /// for the events written from now on; endpoints not listed stop getting new events
    /// (what they have pending stays, for an operator to see).
    /// - Returns: each endpoint's id, in the order given.
    @discardableResult
    public func configureOutbox(endpoints: [OutboxEndpointSetting], trackingURLs: [String: String]) async throws -> [Int64] {
        try await pool.write { db in
            try db.execute(sql: "UPDATE outbox_endpoints SET active = 0")
            var ids: [Int64] = []
            for endpoint in endpoints {
                let events = endpoint.events.map(\.rawValue).sorted().joined(separator: ",")
                let id = try Int64.fetchOne(
                    db,
                    sql: """
                        INSERT INTO outbox_endpoints (target, active, events) VALUES (?, 1, ?)
                        ON CONFLICT (target) DO UPDATE SET active = 1, events = excluded.events
                        RETURNING id
                        """, arguments: [endpoint.target, events])!
                ids.append(id)
            }
            try db.execute(sql: "DELETE FROM outbox_tracking_urls")
            for (carrier, template) in trackingURLs {
                try db.execute(sql: "INSERT INTO outbox_tracking_urls (carrier, template) VALUES (?, ?)", arguments: [carrier, template])
            }
            return ids
        }
    }

    /// Claims up to `limit` events due at `endpoint` for one attempt each: oldest due
    /// first, and for each shipment only its earliest pending event (a later one waits while
    /// an earlier one is retried). A claimed event is not due again before `lease`
    /// milliseconds: long enough for the attempt's deadline, short enough that an attempt a
    /// crash cut short is made again soon after the restart.
    ///
    /// Nothing is due at a disabled endpoint. For several processes delivering one store's
    /// outbox (a shared store, SPEC §16); relaisd alone uses
    /// ``dueOutboxDeliveries(endpoint:now:limit:excluding:)``, which writes nothing.
    public func claimOutboxDeliveries(endpoint: Int64, now: Int64, limit: Int, lease: Int64) async throws -> [OutboxDelivery] {
        let due = try await pool.read { db in try Self.dueDeliveries(db, endpoint: endpoint, now: now, limit: limit) }
        guard !due.isEmpty else { return [] }
        return try await pool.write { db in
            // Read again under the writer: another claim may have taken some meanwhile.
            let due = try Self.dueDeliveries(db, endpoint: endpoint, now: now, limit: limit)
            let extend = try db.cachedStatement(
                sql: "UPDATE outbox_deliveries SET next_attempt_at = ? WHERE endpoint_id = ? AND event_seq = ?")
            for delivery in due { try extend.execute(arguments: [now + lease, endpoint, delivery.eventSeq]) }
            return due
        }
    }

    /// The events due at `endpoint`, as ``claimOutboxDeliveries(endpoint:now:limit:lease:)``
    /// finds them, without a lease: a read, no write. For the one process that delivers this
    /// store's outbox, which keeps the attempts under way (and the results not yet recorded)
    /// in memory and names them in `excluding`; a crash forgets them, and they are made again
    /// with the same id: at least once.
    public func dueOutboxDeliveries(endpoint: Int64, now: Int64, limit: Int, excluding: Set<Int64>) async throws
        -> [OutboxDelivery]
    {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            try Self.dueDeliveries(db, endpoint: endpoint, now: now, limit: limit, excluding: excluding)
        }
    }

    /// The due deliveries, those named in `excluding` left out by SQLite itself: reading
    /// theirs too and dropping them afterwards read every body under way again at each look
    /// (up to the in-flight limit and the results waiting to be recorded, for a few wanted).
    static func dueDeliveries(_ db: Database, endpoint: Int64, now: Int64, limit: Int, excluding: Set<Int64> = []) throws
        -> [OutboxDelivery]
    {
        var excluded = JSONText(capacity: excluding.count * 8)
        excluded.beginArray()
        for seq in excluding {
            excluded.element()
            excluded.int(Int(seq))
        }
        excluded.endArray()
        return try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT d.event_seq, d.attempts, e.id, e.type, e.at, e.shipment_id, e.label_path, e.body
                    FROM outbox_deliveries d INDEXED BY outbox_deliveries_due
                    JOIN outbox_events e ON e.seq = d.event_seq
                    WHERE d.endpoint_id = ?1 AND d.state = 'pending' AND d.next_attempt_at <= ?2
                        AND d.event_seq NOT IN (SELECT value FROM json_each(?4))
                        AND (SELECT disabled_at FROM outbox_endpoints WHERE id = ?1) IS NULL
                        AND (d.shipment_id IS NULL OR NOT EXISTS (
                            SELECT 1 FROM outbox_deliveries p INDEXED BY outbox_deliveries_shipment
                            WHERE p.endpoint_id = ?1 AND p.shipment_id = d.shipment_id AND p.state = 'pending'
                                AND p.event_seq < d.event_seq))
                    ORDER BY d.next_attempt_at, d.event_seq LIMIT ?3
                    """), arguments: [endpoint, now, limit, String(decoding: excluded.bytes, as: UTF8.self)]
        ).map { row in
            OutboxDelivery(
                endpointID: endpoint, eventSeq: row["event_seq"], eventID: row["id"], type: row["type"], at: row["at"],
                shipmentID: row["shipment_id"], labelPath: row["label_path"], body: [UInt8]((row["body"] as Data)),
                attempts: row["attempts"])
        }
    }

    /// Records the attempts' results in one transaction.
    ///
    /// - Important: Call only once a delivery is durable at its endpoint (a spool file
    ///   fsync'd, a webhook answered 2xx): a crash before this commit re-sends the event with
    ///   the same id, at least once, never lost.
    public func recordOutboxResults(_ results: [(OutboxDelivery, OutboxDeliveryResult)], now: Int64) async throws {
        guard !results.isEmpty else { return }
        try await pool.write { db in
            for (delivery, result) in results {
                let key: StatementArguments = [delivery.endpointID, delivery.eventSeq]
                switch result {
                case .delivered:
                    try db.cachedStatement(
                        sql: """
                            UPDATE outbox_deliveries SET state = 'delivered', attempts = attempts + 1, last_attempt_at = ?,
                                delivered_at = ?, next_attempt_at = NULL, last_error = NULL
                            WHERE endpoint_id = ? AND event_seq = ? AND state = 'pending'
                            """
                    ).execute(arguments: [now, now] + key)
                case .retry(let at, let error):
                    try db.cachedStatement(
                        sql: """
                            UPDATE outbox_deliveries SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ?,
                                last_error = ?
                            WHERE endpoint_id = ? AND event_seq = ? AND state = 'pending'
                            """
                    ).execute(arguments: [now, at, error] + key)
                case .dead(let error):
                    try db.cachedStatement(
                        sql: """
                            UPDATE outbox_deliveries SET state = 'dead', attempts = attempts + 1, last_attempt_at = ?,
                                next_attempt_at = NULL, last_error = ?
                            WHERE endpoint_id = ? AND event_seq = ? AND state = 'pending'
                            """
                    ).execute(arguments: [now, error] + key)
                    try db.recordEvent(
                        at: now, kind: .outboxDead, shipment: delivery.shipmentID, actor: Actor("outbox"),
                        detail: "\(delivery.eventID) (\(delivery.type)) to endpoint \(delivery.endpointID): \(error)")
                case .gone(let error):
                    try db.cachedStatement(
                        sql: """
                            UPDATE outbox_deliveries SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ?,
                                last_error = ?
                            WHERE endpoint_id = ? AND event_seq = ? AND state = 'pending'
                            """
                    ).execute(arguments: [now, now, error] + key)
                    try db.execute(
                        sql: "UPDATE outbox_endpoints SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL",
                        arguments: [now, error, delivery.endpointID])
                    if db.changesCount > 0 {
                        try db.recordEvent(
                            at: now, kind: .outboxEndpointDisabled, actor: Actor("outbox"),
                            detail: "endpoint \(delivery.endpointID): \(error)")
                    }
                }
            }
        }
    }

    /// Events per delivery, newest first: `state` pending, delivered or dead; `endpoint`
    /// an endpoint id.
    public func outboxDeliveries(state: String? = nil, endpoint: Int64? = nil, limit: Int = 100) async throws
        -> [OutboxDeliveryRecord]
    {
        try await pageRead(limit: limit) { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let state {
                conditions.append("d.state = ?")
                arguments += [state]
            }
            if let endpoint {
                conditions.append("d.endpoint_id = ?")
                arguments += [endpoint]
            }
            arguments += [max(1, min(limit, 10_000))]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.type, e.at, e.shipment_id, d.endpoint_id, p.target, d.state, d.attempts, d.next_attempt_at,
                        d.delivered_at, d.last_error
                    FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
                    JOIN outbox_endpoints p ON p.id = d.endpoint_id
                    \(filter) ORDER BY d.event_seq DESC, d.endpoint_id LIMIT ?
                    """, arguments: arguments
            ).map { row in
                OutboxDeliveryRecord(
                    eventID: row["id"], type: row["type"], at: row["at"], shipmentID: row["shipment_id"],
                    endpointID: row["endpoint_id"], endpointTarget: row["target"], state: row["state"],
                    attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], deliveredAt: row["delivered_at"],
                    lastError: row["last_error"])
            }
        }
    }

    /// The body of an event as written, if it exists.
    public func outboxEventBody(id: String) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM outbox_events WHERE id = ?", arguments: [id]).map { [UInt8]($0) }
        }
    }

    /// Sends an event again to every endpoint it was for, with the same id and body:
    /// its deliveries become pending, due now, with the full retry schedule ahead.
    /// - Returns: the deliveries made pending.
    /// - Throws: ``StoreError`` not found.
    @discardableResult
    public func replayOutboxEvent(id: String, actor: Actor, now: Int64) async throws -> Int {
        try await pool.write { db in
            guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM outbox_events WHERE id = ?", arguments: [id]) else {
                throw StoreError.notFound("outbox event \(id)")
            }
            try db.execute(
                sql: """
                    UPDATE outbox_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, delivered_at = NULL
                    WHERE event_seq = ?
                    """, arguments: [now, seq])
            let count = db.changesCount
            try db.recordEvent(at: now, kind: .outboxReplay, actor: actor, detail: "\(id) to \(count) endpoints")
            return count
        }
    }

    /// Enables an endpoint a `410 Gone` disabled; its pending events are due at once.
    /// - Returns: false when it was not disabled.
    @discardableResult
    public func enableOutboxEndpoint(id: Int64, actor: Actor, now: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE outbox_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE id = ? AND disabled_at IS NOT NULL",
                arguments: [id])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: "UPDATE outbox_deliveries SET next_attempt_at = ? WHERE endpoint_id = ? AND state = 'pending'",
                arguments: [now, id])
            try db.recordEvent(at: now, kind: .outboxEndpointEnabled, actor: actor, detail: "endpoint \(id)")
            return true
        }
    }

    /// Every endpoint with its pending and dead counts and its oldest pending event; from
    /// the partial indexes, so a long delivered history costs nothing.
    public func outboxBacklog() async throws -> [OutboxEndpointBacklog] {
        try await quickRead { db in try Self.outboxBacklog(db) }
    }

    static func outboxBacklog(_ db: Database) throws -> [OutboxEndpointBacklog] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT p.id, p.target, p.active, p.disabled_at, p.disabled_reason,
                        (SELECT COUNT(*) FROM outbox_deliveries d INDEXED BY outbox_deliveries_due
                            WHERE d.endpoint_id = p.id AND d.state = 'pending') AS pending,
                        (SELECT COUNT(*) FROM outbox_deliveries d INDEXED BY outbox_deliveries_dead
                            WHERE d.endpoint_id = p.id AND d.state = 'dead') AS dead,
                        (SELECT MIN(e.at) FROM outbox_deliveries d INDEXED BY outbox_deliveries_due
                            JOIN outbox_events e ON e.seq = d.event_seq
                            WHERE d.endpoint_id = p.id AND d.state = 'pending') AS oldest
                    FROM outbox_endpoints p ORDER BY p.id
                    """)
        ).map { row in
            OutboxEndpointBacklog(
                id: row["id"], target: row["target"], active: row["active"], disabledAt: row["disabled_at"],
                disabledReason: row["disabled_reason"], pending: row["pending"], dead: row["dead"], oldestPendingAt: row["oldest"])
        }
    }
}

extension Database {
    /// Writes the outbox event announcing that shipment `id` entered `type`'s state
    /// (``writeOutboxEvents(_:now:)``).
    func writeOutboxEvent(_ type: OutboxEventType, shipment id: String, now: Int64, tracking: ShipmentTrackingReply? = nil) throws {
        try writeOutboxEvents([OutboxAnnouncement(type: type, shipment: id, tracking: tracking)], now: now)
    }

    /// Writes the outbox events of shipments' changes, in order, each with one pending
    /// delivery per active endpoint that wants it; part of the caller's transaction, so an
    /// event exists exactly when its change does (SPEC §12).
    ///
    /// An event's body is the shipment as `GET /v1/shipments/{id}` shows it at this instant,
    /// plus `tracking_url` and `promised_by`; it is frozen here and sent byte for byte. The
    /// shipments are read once for all the events: a shipment announced twice is announced
    /// by two calls, each after its change. Nothing is written for a type no endpoint wants.
    func writeOutboxEvents(_ announcements: [OutboxAnnouncement], now: Int64) throws {
        guard !announcements.isEmpty else { return }
        let active = try activeOutboxEndpoints()
        guard !active.isEmpty else { return }
        var wanting: [OutboxEventType: [Int64]] = [:]
        for type in Set(announcements.map(\.type)) { wanting[type] = Self.endpoints(active, wanting: type) }
        let due = announcements.filter { wanting[$0.type]?.isEmpty == false }
        guard !due.isEmpty else { return }
        let ids = Set(due.map(\.shipment))
        let records = try shipmentRecords(ids: ids)
        let list = Self.jsonList(ids)
        var attempts: [String: [AttemptRecord]] = [:]
        for row in try Row.fetchAll(
            cachedStatement(sql: "SELECT * FROM booking_attempts WHERE shipment_id IN (SELECT value FROM json_each(?)) ORDER BY id"),
            arguments: [list])
        {
            attempts[row["shipment_id"], default: []].append(RecordStore.attemptRecord(row))
        }
        var promisedBy: [String: String] = [:]
        for row in try Row.fetchAll(
            cachedStatement(
                sql: """
                    SELECT shipment_id, MIN(json_extract(body, '$.promised_by')) FROM orders
                    WHERE shipment_id IN (SELECT value FROM json_each(?)) GROUP BY shipment_id
                    """), arguments: [list])
        {
            promisedBy[row[0]] = row[1]
        }
        let templates = try Dictionary(
            Row.fetchAll(cachedStatement(sql: "SELECT carrier, template FROM outbox_tracking_urls")).map { ($0[0] as String, $0[1] as String) },
            uniquingKeysWith: { first, _ in first })
        for announcement in due {
            let id = announcement.shipment
            guard let record = records[id] else { throw StoreError.notFound("shipment \(id)") }
            var data = ShipmentReply(record, attempts: attempts[id] ?? [])
            data.tracking = announcement.tracking
            data.promisedBy = promisedBy[id]
            if let carrier = record.carrier, let number = record.trackingNumber, let template = templates[carrier] {
                data.trackingURL = OutboxBody.trackingURL(template: template, trackingNumber: number)
            }
            try insertOutboxEvent(
                announcement.type, data: data, shipment: id, labelPath: record.labelPath, endpoints: wanting[announcement.type] ?? [],
                now: now)
        }
    }

    /// Writes an event that is not a shipment's (`manifest.closed`), with its `data`.
    func writeOutboxEvent(_ type: OutboxEventType, data: some Encodable, now: Int64) throws {
        let endpoints = try outboxEndpoints(wanting: type)
        guard !endpoints.isEmpty else { return }
        try insertOutboxEvent(type, data: data, shipment: nil, labelPath: nil, endpoints: endpoints, now: now)
    }

    /// The active endpoints that want `type`.
    private func outboxEndpoints(wanting type: OutboxEventType) throws -> [Int64] {
        Self.endpoints(try activeOutboxEndpoints(), wanting: type)
    }

    /// The active endpoints, with the events each wants (empty: every event).
    private func activeOutboxEndpoints() throws -> [(id: Int64, events: String)] {
        try Row.fetchAll(cachedStatement(sql: "SELECT id, events FROM outbox_endpoints WHERE active = 1"))
            .map { (id: $0["id"], events: $0["events"]) }
    }

    private static func endpoints(_ active: [(id: Int64, events: String)], wanting type: OutboxEventType) -> [Int64] {
        active.filter { $0.events.isEmpty || $0.events.split(separator: ",").contains(Substring(type.rawValue)) }.map(\.id)
    }

    /// The event, frozen, and one pending delivery per endpoint.
    private func insertOutboxEvent(
        _ type: OutboxEventType, data: some Encodable, shipment id: String?, labelPath: String?, endpoints: [Int64], now: Int64
    ) throws {
        let eventID = OutboxBody.newEventID(now: now)
        let body = try OutboxBody.encode(id: eventID, type: type.rawValue, at: now, data: data)
        guard
            let seq = try Int64.fetchOne(
                cachedStatement(
                    sql: "INSERT INTO outbox_events (id, type, at, shipment_id, label_path, body) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq"),
                arguments: [eventID, type.rawValue, now, id, labelPath, Data(body)])
        else { throw StoreError.refused("outbox event \(eventID) not written") }
        let delivery = try cachedStatement(
            sql: """
                INSERT INTO outbox_deliveries (endpoint_id, event_seq, shipment_id, state, next_attempt_at)
                VALUES (?, ?, ?, 'pending', ?)
                """)
        for endpoint in endpoints { try delivery.execute(arguments: [endpoint, seq, id, now]) }
    }
}

extension RecordStore {
    static func attemptRecord(_ row: Row) -> AttemptRecord {
        AttemptRecord(
            carrier: row["carrier"], service: row["service"], startedAt: row["started_at"], finishedAt: row["finished_at"],
            outcome: row["outcome"], failureClass: row["failure_class"], httpStatus: row["http_status"],
            durationMilliseconds: row["duration_ms"], trackingNumber: row["tracking_number"], detail: row["detail"])
    }
}
