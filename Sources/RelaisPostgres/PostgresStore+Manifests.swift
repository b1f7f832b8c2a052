import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

/// End-of-day manifests (SPEC §14) on PostgreSQL, for several nodes.
///
/// Rules:
/// - **One manifest per carrier × site × pickup date**: the primary key is its id, made of
///   the three; a close locks the pair's `closing` row (or, without one, takes a
///   transaction-scoped advisory lock of the pair) before it reads, so two nodes beginning
///   the same close are ordered and the second finds the first's manifest.
/// - **A `closing` manifest is finished by one node at a time**: the node that began it, or
///   took it over, holds it until its lease (``PostgresStore/lease``) runs out
///   (`closing_by`, `lease_until`); another node's pass leaves it alone meanwhile, and takes
///   it, with the same id and shipments, once the lease has run out (that node crashed).
extension PostgresStore: ManifestLedger {
    public func unmanifested() async throws -> [UnmanifestedGroup] {
        try await read("unmanifested") { connection, logger in
            var groups: [UnmanifestedGroup] = []
            for try await (carrier, site, count, last) in try await connection.query(
                """
                SELECT s.carrier, s.site, COUNT(*),
                    (SELECT MAX(m.pickup_date) FROM manifests m WHERE m.carrier = s.carrier AND m.site = s.site)
                FROM shipments s
                WHERE s.state = 'booked' AND s.manifest_id IS NULL AND s.carrier IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM cancel_requests c WHERE c.shipment_id = s.id)
                GROUP BY s.carrier, s.site ORDER BY s.carrier, s.site
                """, logger: logger
            ).decode((String, String, Int, String?).self) {
                groups.append(UnmanifestedGroup(carrier: carrier, site: site, shipments: count, lastClosed: last.flatMap(CivilDate.init)))
            }
            return groups
        }
    }

    public func lastManifestDate(carrier: String, site: String) async throws -> CivilDate? {
        try await read("last manifest date") { connection, logger in
            try await connection.query(
                "SELECT MAX(pickup_date) FROM manifests WHERE carrier = \(carrier) AND site = \(site)", logger: logger
            ).collect().first?.decode(String?.self).flatMap(CivilDate.init)
        }
    }

    /// Begins the close as the protocol says; a manifest of the pair still `closing` is
    /// returned to be finished first, unless another node holds it (its lease still runs):
    /// then the close is refused, that node finishes it.
    public func beginManifest(carrier: String, site: String, pickupDate: CivilDate, now: Instant) async throws -> ManifestRecord {
        let node = self.node
        let millis = now.millisecondsSinceEpoch
        let leaseUntil = (now + lease).millisecondsSinceEpoch
        let id = try await transaction("begin manifest") { connection, logger -> String in
            // Two nodes closing one pair are ordered here: a begin waits for the other's.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('relais:manifest:' || \(carrier) || '|' || \(site)))", logger: logger)
            if let closing = try await connection.takeClosingManifest(
                carrier: carrier, site: site, node: node, now: millis, leaseUntil: leaseUntil, logger: logger)
            {
                return closing
            }
            let id = ManifestRecord.id(carrier: carrier, site: site, pickupDate: pickupDate)
            if !(try await connection.query("SELECT 1 FROM manifests WHERE id = \(id)", logger: logger).collect().isEmpty) {
                throw StoreError.refused(
                    "\(carrier) at \(site) is already closed for \(pickupDate) (\(id)): later bookings go on the next pickup date's manifest")
            }
            try await connection.query(
                """
                INSERT INTO manifests (id, carrier, site, pickup_date, state, started_at, closing_by, lease_until)
                VALUES (\(id), \(carrier), \(site), \(pickupDate.description), 'closing', \(millis), \(node), \(leaseUntil))
                """, logger: logger)
            // The pair's shipments are locked first, then taken in a statement of its own: a
            // cancel that locked one before has committed its intent by then, and this
            // statement's snapshot sees it (left out); a cancel after waits for this close.
            let waiting = try await connection.strings(
                """
                SELECT id FROM shipments
                WHERE carrier = \(carrier) AND site = \(site) AND state = 'booked' AND manifest_id IS NULL
                FOR UPDATE
                """, logger: logger)
            let count = try await connection.query(
                """
                UPDATE shipments SET manifest_id = \(id)
                WHERE id = ANY(\(waiting)) AND state = 'booked' AND manifest_id IS NULL
                    AND NOT EXISTS (SELECT 1 FROM cancel_requests c WHERE c.shipment_id = shipments.id)
                RETURNING id
                """, logger: logger
            ).collect().count
            guard count > 0 else { throw StoreError.refused("no booked shipment of \(carrier) at \(site) waits for a manifest") }
            try await connection.query("UPDATE manifests SET shipments = \(count) WHERE id = \(id)", logger: logger)
            try await connection.recordEvent(
                at: millis, kind: .manifestClosing, carrier: carrier, actor: .manifests, detail: "\(id): \(count) shipments for \(pickupDate)",
                logger: logger)
            return id
        }
        return try await manifest(id: id)
    }

    public func finishManifest(_ id: String, csvPath: String, documentPath: String?, carrierReference: String?, now: Instant) async throws
        -> ManifestRecord
    {
        let millis = now.millisecondsSinceEpoch
        _ = try await transaction("finish manifest") { connection, logger -> String in
            let closed = try await connection.query(
                """
                UPDATE manifests SET state = 'closed', closed_at = \(millis), csv_path = \(csvPath), document_path = \(documentPath),
                    carrier_reference = \(carrierReference), closing_by = NULL, lease_until = NULL
                WHERE id = \(id) AND state = 'closing'
                RETURNING id
                """, logger: logger
            ).collect()
            guard closed.count == 1 else { throw StoreError.refused("manifest \(id) is not closing") }
            let record = try await connection.manifest(id: id, logger: logger)
            try await connection.recordEvent(
                at: millis, kind: .manifestClosed, carrier: record.carrier, actor: .manifests,
                detail: "\(id): \(record.lines.count) shipments for \(record.pickupDate)\(carrierReference.map { ", carrier number \($0)" } ?? "")",
                logger: logger)
            try await connection.appendOutboxEvent(.manifestClosed, about: .manifest(record), now: millis, logger: logger)
            return id
        }
        return try await manifest(id: id)
    }

    /// Every manifest still `closing`, whichever node holds it.
    public func closingManifests() async throws -> [ManifestRecord] {
        try await read("closing manifests") { connection, logger in
            var records: [ManifestRecord] = []
            for id in try await connection.strings("SELECT id FROM manifests WHERE state = 'closing' ORDER BY started_at", logger: logger) {
                records.append(try await connection.manifest(id: id, logger: logger))
            }
            return records
        }
    }

    /// The `closing` manifests for this node to finish now: its own, and those another node
    /// left when its lease ran out, each taken for this node with a new lease.
    public func closingManifests(now: Instant) async throws -> [ManifestRecord] {
        let node = self.node
        let millis = now.millisecondsSinceEpoch
        let leaseUntil = (now + lease).millisecondsSinceEpoch
        let ids = try await transaction("take closing manifests") { connection, logger -> [String] in
            try await connection.strings(
                """
                UPDATE manifests SET closing_by = \(node), lease_until = \(leaseUntil)
                WHERE id IN (
                    SELECT id FROM manifests
                    WHERE state = 'closing' AND (closing_by IS NOT DISTINCT FROM \(node) OR COALESCE(lease_until, 0) <= \(millis))
                    FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: logger)
        }
        var records: [ManifestRecord] = []
        for id in ids { records.append(try await manifest(id: id)) }
        return records.sorted { $0.startedAt < $1.startedAt }
    }

    public func manifests(pickupDate: CivilDate?, limit: Int) async throws -> [ManifestRecord] {
        let bound = max(1, min(limit, 1000))
        let date = pickupDate?.description
        return try await read("manifests") { connection, logger in
            var records: [ManifestRecord] = []
            for id in try await connection.strings(
                """
                SELECT id FROM manifests WHERE (\(date)::text IS NULL OR pickup_date = \(date))
                ORDER BY started_at DESC LIMIT \(bound)
                """, logger: logger)
            {
                records.append(try await connection.manifest(id: id, logger: logger))
            }
            return records
        }
    }

    /// One manifest with its lines, read after its transaction.
    func manifest(id: String) async throws -> ManifestRecord {
        try await read("manifest") { connection, logger in try await connection.manifest(id: id, logger: logger) }
    }
}

extension PostgresConnection {
    /// The values of a one-column text query.
    func strings(_ sql: PostgresQuery, logger: Logger) async throws -> [String] {
        var values: [String] = []
        for try await value in try await query(sql, logger: logger).decode(String.self) { values.append(value) }
        return values
    }

    /// The pair's `closing` manifest, taken for `node` unless another node's lease on it
    /// still runs (then refused); nil when the pair has none.
    func takeClosingManifest(carrier: String, site: String, node: String, now: Int64, leaseUntil: Int64, logger: Logger) async throws
        -> String?
    {
        guard
            let row = try await query(
                "SELECT id, closing_by, lease_until FROM manifests WHERE carrier = \(carrier) AND site = \(site) AND state = 'closing' FOR UPDATE",
                logger: logger
            ).collect().first
        else { return nil }
        let (id, holder, until) = try row.decode((String, String?, Int64?).self)
        if let holder, holder != node, let until, until > now {
            throw StoreError.refused(
                "manifest \(id) is being closed by node \(holder) (its lease runs until \(Instant(millisecondsSinceEpoch: until))): that node finishes it")
        }
        try await query("UPDATE manifests SET closing_by = \(node), lease_until = \(leaseUntil) WHERE id = \(id)", logger: logger)
        return id
    }

    /// A manifest with its lines in shipment order, each with its orders.
    func manifest(id: String, logger: Logger) async throws -> ManifestRecord {
        guard
            let row = try await query(
                """
                SELECT carrier, site, pickup_date, state, started_at, closed_at, csv_path, document_path, carrier_reference
                FROM manifests WHERE id = \(id)
                """, logger: logger
            ).collect().first
        else { throw StoreError.notFound("manifest \(id)") }
        let (carrier, site, date, state, startedAt, closedAt, csvPath, documentPath, reference) = try row.decode(
            (String, String, String, String, Int64, Int64?, String?, String?, String?).self)
        var orders: [String: [String]] = [:]
        for try await (shipment, order) in try await query(
            "SELECT o.shipment_id, o.id FROM orders o JOIN shipments s ON s.id = o.shipment_id WHERE s.manifest_id = \(id) ORDER BY o.id",
            logger: logger
        ).decode((String, String).self) {
            orders[shipment, default: []].append(order)
        }
        var lines: [ManifestLine] = []
        for try await (shipment, tracking, service, parcels, weight) in try await query(
            "SELECT id, tracking_number, service, parcels, weight_kg FROM shipments WHERE manifest_id = \(id) ORDER BY seq", logger: logger
        ).decode((String, String?, String?, Int?, Double?).self) {
            lines.append(
                ManifestLine(
                    shipmentID: shipment, trackingNumber: tracking ?? "", service: service ?? "", parcels: parcels ?? 1,
                    weightKg: weight ?? 0, orderIDs: orders[shipment] ?? []))
        }
        return ManifestRecord(
            id: id, carrier: carrier, site: site, pickupDate: CivilDate(date) ?? CivilDate(dayNumber: 0), state: state,
            startedAt: Instant(millisecondsSinceEpoch: startedAt), closedAt: closedAt.map(Instant.init(millisecondsSinceEpoch:)),
            lines: lines, csvPath: csvPath, documentPath: documentPath, carrierReference: reference)
    }
}
