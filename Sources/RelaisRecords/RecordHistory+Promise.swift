import GRDB
import RelaisCore
import RelaisStore

/// A booked shipment with what the promise report measures (SPEC §13): when it was booked
/// and on which service, the ETAs its decision announced for that service, its tracking
/// status and when the carrier says it was delivered, and its orders (ready time,
/// recipient, `promised_by`).
public struct TrackedDelivery: Sendable {
    public var id: String
    /// The site it left from.
    public var site: String
    public var key: ServiceKey
    /// ms since the Unix epoch.
    public var bookedAt: Int64
    /// The ETAs its decision recorded for the service it was booked on (after a failover,
    /// that candidate's); nil when the record has none.
    public var eta: ETA?
    /// Its tracking status; nil before the first carrier event.
    public var status: TrackingStatus?
    /// The carrier's time of its `delivered` event, ms since the Unix epoch.
    public var deliveredAt: Int64?
    /// Canonical JSON of its orders, in id order.
    public var orderBodies: [String]

    public init(
        id: String, site: String, key: ServiceKey, bookedAt: Int64, eta: ETA?, status: TrackingStatus?, deliveredAt: Int64?,
        orderBodies: [String]
    ) {
        self.id = id
        self.site = site
        self.key = key
        self.bookedAt = bookedAt
        self.eta = eta
        self.status = status
        self.deliveredAt = deliveredAt
        self.orderBodies = orderBodies
    }
}

extension RecordHistory {
    /// Every outbound shipment booked in `[from, until)` (ms) and still booked, delivered
    /// or not, in booking order, from one snapshot: what `relaisctl report promise` and the
    /// promise columns of `report carriers` read.
    ///
    /// This is the promise report's only read of the database.
    public func forEachTracked(bookedFrom from: Int64, until: Int64, _ body: (TrackedDelivery) throws -> Void) throws {
        try queue.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.id, s.site, s.carrier, s.service, s.booked_at, c.eta_p50, c.eta_p90, c.eta_p99, t.status,
                        t.delivered_at, o.body
                    FROM shipments s INDEXED BY shipments_booked
                    JOIN orders o ON o.shipment_id = s.id
                    LEFT JOIN tracking t ON t.shipment_id = s.id
                    LEFT JOIN decision_candidates c
                        ON c.decision_id = s.decision_id AND c.carrier = s.carrier AND c.service = s.service
                        AND (c.origin IS NULL OR c.origin = s.site)
                    WHERE s.booked_at >= ? AND s.booked_at < ? AND s.state = 'booked' AND s.carrier IS NOT NULL
                        AND s.direction = 'outbound'
                    ORDER BY s.booked_at, s.id, o.id
                    """, arguments: [from, until])
            var current: TrackedDelivery?
            while let row = try cursor.next() {
                let id: String = row[0]
                if current?.id == id {
                    current?.orderBodies.append(row[10])
                    continue
                }
                if let shipment = current { try body(shipment) }
                var eta: ETA?
                if let p50 = (row[5] as String?).flatMap(CivilDate.init), let p90 = (row[6] as String?).flatMap(CivilDate.init),
                    let p99 = (row[7] as String?).flatMap(CivilDate.init)
                {
                    eta = ETA(p50: p50, p90: p90, p99: p99)
                }
                current = TrackedDelivery(
                    id: id, site: row[1], key: ServiceKey(carrier: row[2], service: row[3]), bookedAt: row[4], eta: eta,
                    status: (row[8] as String?).flatMap(TrackingStatus.init(rawValue:)), deliveredAt: row[9], orderBodies: [row[10]])
            }
            if let shipment = current { try body(shipment) }
        }
    }
}
