import Logging
import PostgresNIO
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// Tracking (SPEC §13) in PostgreSQL, for several nodes: the `tracking` row of each booked
/// shipment (entered by trigger in the transaction that books it), its events, and the
/// `shipment.tracking` outbox event of each status change, in one transaction.
extension PostgresStore: TrackingLog {
    /// Claims up to `limit` shipments at `carrier` due for a poll, the longest due first:
    /// rows another node is claiming are skipped (`SKIP LOCKED`), and those returned are
    /// stamped with this node and not due again for the store's lease, so two nodes never
    /// poll one shipment at once. ``recordTracking(_:schedule:now:)`` sets the next poll;
    /// a shipment this node did not poll after all (its carrier's gate refused), or polled
    /// and then died, is due again when the lease runs out.
    public func dueTracking(carrier: String, now: Instant, limit: Int) async throws -> [TrackedShipment] {
        guard limit > 0 else { return [] }
        let node = self.node
        let leaseUntil = (now + lease).millisecondsSinceEpoch
        let now = now.millisecondsSinceEpoch
        // A claim whose answer was lost is made again: what the first took is due after its lease.
        return try await plainTransaction("due tracking") { connection, logger in
            var due: [(at: Int64, shipment: TrackedShipment)] = []
            for try await row in try await connection.query(
                """
                WITH due AS (
                    SELECT shipment_id, next_poll_at AS due_at FROM tracking
                    WHERE carrier = \(carrier) AND next_poll_at IS NOT NULL AND next_poll_at <= \(now)
                    ORDER BY next_poll_at LIMIT \(Int64(limit))
                    FOR UPDATE SKIP LOCKED)
                UPDATE tracking t SET next_poll_at = \(leaseUntil), claimed_by = \(node)
                FROM due JOIN shipments s ON s.id = due.shipment_id
                WHERE t.shipment_id = due.shipment_id
                RETURNING t.shipment_id, t.carrier, t.tracking_number, t.booked_at, t.status, s.service, s.site,
                    (SELECT MAX(ready_at) FROM orders WHERE shipment_id = t.shipment_id), due.due_at
                """, logger: logger)
            {
                let (id, carrier, number, bookedAt, status, service, site, readyAt, dueAt) = try row.decode(
                    (String, String, String, Int64, String?, String?, String, Int64?, Int64).self)
                due.append(
                    (
                        dueAt,
                        TrackedShipment(
                            shipmentID: id, carrier: carrier, service: service, site: site, trackingNumber: number,
                            bookedAt: Instant(millisecondsSinceEpoch: bookedAt),
                            // orders keep ready_at in seconds
                            readyAt: readyAt.map(Instant.init(secondsSinceEpoch:)) ?? Instant(millisecondsSinceEpoch: bookedAt),
                            status: status.flatMap(TrackingStatus.init(rawValue:)))
                    ))
            }
            return due.sorted { ($0.at, $0.shipment.shipmentID) < ($1.at, $1.shipment.shipmentID) }.map(\.shipment)
        }
    }

    /// Records polls' results in one transaction.
    ///
    /// Run again after a lost answer, it adds nothing: events are de-duplicated on (code,
    /// time) and the status only moves forward, so no change is written or announced twice
    /// (the changes it returns are then those not yet recorded: none).
    @discardableResult
    public func recordTracking(_ polls: [TrackingPoll], schedule: TrackingSchedule, now: Instant) async throws -> [TrackingChange] {
        guard !polls.isEmpty else { return [] }
        return try await plainTransaction("record tracking") { connection, logger in
            var changes: [TrackingChange] = []
            for poll in polls {
                if let change = try await connection.recordTrackingPoll(poll, schedule: schedule, now: now, logger: logger) {
                    changes.append(change)
                }
            }
            return changes
        }
    }

    public func tracking(shipment id: String) async throws -> ShipmentTracking? {
        try await read("tracking") { connection, logger in
            guard
                let row = try await connection.query(
                    """
                    SELECT status, status_at, delivered_at, next_poll_at, last_polled_at, last_error FROM tracking
                    WHERE shipment_id = \(id)
                    """, logger: logger
                ).collect().first
            else { return nil }
            let (status, statusAt, deliveredAt, nextPollAt, lastPolledAt, lastError) = try row.decode(
                (String?, Int64?, Int64?, Int64?, Int64?, String?).self)
            var events: [TrackingEvent] = []
            for try await (code, at, status, label, location) in try await connection.query(
                "SELECT code, at, status, label, location FROM tracking_events WHERE shipment_id = \(id) ORDER BY at, code",
                logger: logger
            ).decode((String, Int64, String, String?, String?).self) {
                events.append(
                    TrackingEvent(
                        at: Instant(millisecondsSinceEpoch: at), code: code, status: TrackingStatus(rawValue: status) ?? .unknown,
                        label: label, location: location))
            }
            func instant(_ milliseconds: Int64?) -> Instant? { milliseconds.map(Instant.init(millisecondsSinceEpoch:)) }
            return ShipmentTracking(
                status: status.flatMap(TrackingStatus.init(rawValue:)), statusAt: instant(statusAt), deliveredAt: instant(deliveredAt),
                nextPollAt: instant(nextPollAt), lastPolledAt: instant(lastPolledAt), lastError: lastError, events: events)
        }
    }

    public func trackingCounts() async throws -> TrackingCounts {
        try await read("tracking counts") { connection, logger in
            var counts = TrackingCounts()
            for try await (status, n) in try await connection.query(
                "SELECT status, SUM(n)::BIGINT FROM tracking_counts GROUP BY status HAVING SUM(n) > 0", logger: logger
            ).decode((String, Int).self) {
                counts.byStatus[status] = n
            }
            for try await (carrier, n) in try await connection.query("SELECT carrier, n FROM tracking_unmapped", logger: logger)
                .decode((String, Int).self)
            {
                counts.unmappedEvents[carrier] = n
            }
            return counts
        }
    }
}

extension PostgresConnection {
    /// One poll's result, in the caller's transaction, the shipment's row locked first:
    /// new events are inserted (the primary key drops those known already), the status
    /// follows ``TrackingProgress``, and a change writes its `shipment.tracking` outbox event
    /// here, with the change.
    func recordTrackingPoll(_ poll: TrackingPoll, schedule: TrackingSchedule, now: Instant, logger: Logger) async throws
        -> TrackingChange?
    {
        guard
            let row = try await query(
                "SELECT carrier, status, progress_at, booked_at FROM tracking WHERE shipment_id = \(poll.shipmentID) FOR UPDATE",
                logger: logger
            ).collect().first
        else { return nil }
        let (carrier, status, progressAt, bookedMillis) = try row.decode((String, String?, Int64, Int64).self)
        let before = status.flatMap(TrackingStatus.init(rawValue:))
        var progress = TrackingProgress(status: before, at: Instant(millisecondsSinceEpoch: progressAt))
        let bookedAt = Instant(millisecondsSinceEpoch: bookedMillis)
        let millis = now.millisecondsSinceEpoch
        var decisive: TrackingEvent?
        switch poll.outcome {
        case .skipped:
            // Not called: before the pickup date, poll from then on; past max_age, never again.
            let next: Instant? = now < poll.pickup && poll.pickup <= bookedAt + schedule.maxAge ? poll.pickup : nil
            try await query(
                "UPDATE tracking SET next_poll_at = \(next?.millisecondsSinceEpoch) WHERE shipment_id = \(poll.shipmentID)",
                logger: logger)
            return nil
        case .failed(let reason):
            let next = schedule.next(after: now, status: before, pickup: poll.pickup, bookedAt: bookedAt)
            try await query(
                """
                UPDATE tracking SET last_polled_at = \(millis), polls = polls + 1, last_error = \(String(reason.prefix(500))),
                    next_poll_at = \(next?.millisecondsSinceEpoch)
                WHERE shipment_id = \(poll.shipmentID)
                """, logger: logger)
            return nil
        case .events(let events):
            // Oldest first, so that the status walks forward as the parcel did; events of the
            // same time in the carrier's order.
            let ordered = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
            for event in ordered {
                let inserted = try await query(
                    """
                    INSERT INTO tracking_events (shipment_id, code, at, status, label, location, recorded_at)
                    VALUES (\(poll.shipmentID), \(event.code), \(event.at.millisecondsSinceEpoch), \(event.status.rawValue),
                        \(event.label), \(event.location), \(millis))
                    ON CONFLICT DO NOTHING RETURNING code
                    """, logger: logger
                ).collect()
                guard !inserted.isEmpty else { continue }  // known already: (code, time) de-duplicates
                if event.status == .unknown {
                    try await query(
                        """
                        INSERT INTO tracking_unmapped (carrier, n) VALUES (\(carrier), 1)
                        ON CONFLICT (carrier) DO UPDATE SET n = tracking_unmapped.n + 1
                        """, logger: logger)
                }
                if progress.apply(event) { decisive = event }
            }
        }
        let after = progress.status
        let changed = after != before
        let next = schedule.next(after: now, status: after, pickup: poll.pickup, bookedAt: bookedAt)
        let statusAt: Int64? = changed ? decisive?.at.millisecondsSinceEpoch : nil
        let deliveredAt: Int64? = after == .delivered ? statusAt : nil
        try await query(
            """
            UPDATE tracking SET status = \(after?.rawValue), progress_at = \(progress.at.millisecondsSinceEpoch),
                status_at = COALESCE(\(statusAt), status_at), delivered_at = COALESCE(delivered_at, \(deliveredAt)),
                last_polled_at = \(millis), polls = polls + 1, last_error = NULL, next_poll_at = \(next?.millisecondsSinceEpoch)
            WHERE shipment_id = \(poll.shipmentID)
            """, logger: logger)
        guard changed, let after, let decisive else { return nil }
        try await writeOutboxEvent(
            .shipmentTracking, shipment: poll.shipmentID, now: millis,
            tracking: ShipmentTrackingReply(
                status: after.rawValue, statusAt: ISOTimestamp.string(decisive.at.millisecondsSinceEpoch),
                event: TrackingEventReply(decisive)),
            logger: logger)
        return TrackingChange(shipmentID: poll.shipmentID, from: before, to: after, event: decisive)
    }
}
