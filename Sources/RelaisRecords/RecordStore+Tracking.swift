import Foundation
import GRDB
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// Tracking (SPEC §13) in SQLite: the `tracking` row of each booked shipment, its events,
/// and the `shipment.tracking` outbox event of each status change, in one transaction.
extension RecordStore: TrackingLog {
    public func dueTracking(carrier: String, now: Instant, limit: Int) async throws -> [TrackedShipment] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT t.shipment_id, t.carrier, t.tracking_number, t.booked_at, t.status, s.service, s.site,
                            (SELECT MAX(ready_at) FROM orders WHERE shipment_id = t.shipment_id) AS ready_at
                        FROM tracking t INDEXED BY tracking_due JOIN shipments s ON s.id = t.shipment_id
                        WHERE t.carrier = ? AND t.next_poll_at IS NOT NULL AND t.next_poll_at <= ?
                        ORDER BY t.next_poll_at LIMIT ?
                        """),
                arguments: [carrier, now.millisecondsSinceEpoch, limit]
            ).map { row in
                let bookedAt: Int64 = row["booked_at"]
                let status: String? = row["status"]
                return TrackedShipment(
                    shipmentID: row["shipment_id"], carrier: row["carrier"], service: row["service"], site: row["site"],
                    trackingNumber: row["tracking_number"], bookedAt: Instant(millisecondsSinceEpoch: bookedAt),
                    // orders keep ready_at in seconds (v1)
                    readyAt: (row["ready_at"] as Int64?).map(Instant.init(secondsSinceEpoch:))
                        ?? Instant(millisecondsSinceEpoch: bookedAt),
                    status: status.flatMap(TrackingStatus.init(rawValue:)))
            }
        }
    }

    @discardableResult
    public func recordTracking(_ polls: [TrackingPoll], schedule: TrackingSchedule, now: Instant) async throws -> [TrackingChange] {
        guard !polls.isEmpty else { return [] }
        return try await pool.write { db in
            var changes: [TrackingChange] = []
            for poll in polls {
                if let change = try db.recordTrackingPoll(poll, schedule: schedule, now: now) { changes.append(change) }
            }
            return changes
        }
    }

    public func tracking(shipment id: String) async throws -> ShipmentTracking? {
        try await quickRead { db in try db.shipmentTracking(id) }
    }

    public func trackingCounts() async throws -> TrackingCounts {
        try await quickRead { db in try Self.trackingCounts(db) }
    }

    static func trackingCounts(_ db: Database) throws -> TrackingCounts {
        var counts = TrackingCounts()
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT status, n FROM tracking_counts WHERE n > 0")) {
            counts.byStatus[row["status"]] = row["n"]
        }
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT carrier, n FROM tracking_unmapped")) {
            counts.unmappedEvents[row["carrier"]] = row["n"]
        }
        return counts
    }
}

extension Database {
    /// One poll's result; part of the caller's transaction. New events are inserted (the
    /// primary key drops those known already), the status follows ``TrackingProgress``, and
    /// a change writes its `shipment.tracking` outbox event here, with the change.
    func recordTrackingPoll(_ poll: TrackingPoll, schedule: TrackingSchedule, now: Instant) throws -> TrackingChange? {
        guard
            let row = try Row.fetchOne(
                cachedStatement(sql: "SELECT carrier, status, progress_at, booked_at FROM tracking WHERE shipment_id = ?"),
                arguments: [poll.shipmentID])
        else { return nil }
        let carrier: String = row["carrier"]
        let before = (row["status"] as String?).flatMap(TrackingStatus.init(rawValue:))
        var progress = TrackingProgress(status: before, at: Instant(millisecondsSinceEpoch: row["progress_at"]))
        let bookedAt = Instant(millisecondsSinceEpoch: row["booked_at"])
        var decisive: TrackingEvent?
        switch poll.outcome {
        case .skipped:
            // Not called: before the pickup date, poll from then on; past max_age, never again.
            let next: Instant? =
                now < poll.pickup && poll.pickup <= bookedAt + schedule.maxAge ? poll.pickup : nil
            try cachedStatement(sql: "UPDATE tracking SET next_poll_at = ? WHERE shipment_id = ?")
                .execute(arguments: [next?.millisecondsSinceEpoch, poll.shipmentID])
            return nil
        case .failed(let reason):
            let next = schedule.next(after: now, status: before, pickup: poll.pickup, bookedAt: bookedAt)
            try cachedStatement(
                sql: "UPDATE tracking SET last_polled_at = ?, polls = polls + 1, last_error = ?, next_poll_at = ? WHERE shipment_id = ?"
            ).execute(arguments: [now.millisecondsSinceEpoch, String(reason.prefix(500)), next?.millisecondsSinceEpoch, poll.shipmentID])
            return nil
        case .events(let events):
            let insert = try cachedStatement(
                sql: """
                    INSERT INTO tracking_events (shipment_id, code, at, status, label, location, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """)
            // Oldest first, so that the status walks forward as the parcel did; events of the
            // same time in the carrier's order.
            let ordered = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
            for event in ordered {
                try insert.execute(arguments: [
                    poll.shipmentID, event.code, event.at.millisecondsSinceEpoch, event.status.rawValue, event.label, event.location,
                    now.millisecondsSinceEpoch,
                ])
                guard changesCount > 0 else { continue }  // known already: (code, time) de-duplicates
                if event.status == .unknown {
                    try cachedStatement(
                        sql: "INSERT INTO tracking_unmapped (carrier, n) VALUES (?, 1) ON CONFLICT (carrier) DO UPDATE SET n = n + 1"
                    ).execute(arguments: [carrier])
                }
                if progress.apply(event) { decisive = event }
            }
        }
        let after = progress.status
        let changed = after != before
        let next = schedule.next(after: now, status: after, pickup: poll.pickup, bookedAt: bookedAt)
        let statusAt: Int64? = changed ? decisive?.at.millisecondsSinceEpoch : nil
        try cachedStatement(
            sql: """
                UPDATE tracking SET status = ?, progress_at = ?, status_at = COALESCE(?, status_at),
                    delivered_at = CASE WHEN ? = 'delivered' AND delivered_at IS NULL THEN ? ELSE delivered_at END,
                    last_polled_at = ?, polls = polls + 1, last_error = NULL, next_poll_at = ?
                WHERE shipment_id = ?
                """
        ).execute(arguments: [
            after?.rawValue, progress.at.millisecondsSinceEpoch, statusAt, after?.rawValue, statusAt,
            now.millisecondsSinceEpoch, next?.millisecondsSinceEpoch, poll.shipmentID,
        ])
        guard changed, let after, let decisive else { return nil }
        try writeOutboxEvent(
            .shipmentTracking, shipment: poll.shipmentID, now: now.millisecondsSinceEpoch,
            tracking: ShipmentTrackingReply(
                status: after.rawValue, statusAt: ISOTimestamp.string(decisive.at.millisecondsSinceEpoch),
                event: TrackingEventReply(decisive)))
        return TrackingChange(shipmentID: poll.shipmentID, from: before, to: after, event: decisive)
    }

    /// A shipment's tracking with every event, by the carrier's time.
    func shipmentTracking(_ id: String) throws -> ShipmentTracking? {
        guard let row = try Row.fetchOne(cachedStatement(sql: "SELECT * FROM tracking WHERE shipment_id = ?"), arguments: [id]) else {
            return nil
        }
        let events = try Row.fetchAll(
            cachedStatement(sql: "SELECT code, at, status, label, location FROM tracking_events WHERE shipment_id = ? ORDER BY at, code"),
            arguments: [id]
        ).map { event in
            TrackingEvent(
                at: Instant(millisecondsSinceEpoch: event["at"]), code: event["code"],
                status: TrackingStatus(rawValue: event["status"]) ?? .unknown, label: event["label"], location: event["location"])
        }
        func instant(_ column: String) -> Instant? { (row[column] as Int64?).map(Instant.init(millisecondsSinceEpoch:)) }
        return ShipmentTracking(
            status: (row["status"] as String?).flatMap(TrackingStatus.init(rawValue:)), statusAt: instant("status_at"),
            deliveredAt: instant("delivered_at"), nextPollAt: instant("next_poll_at"), lastPolledAt: instant("last_polled_at"),
            lastError: row["last_error"], events: events)
    }
}
