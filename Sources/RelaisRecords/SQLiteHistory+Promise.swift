import GRDB
import RelaisCore
import RelaisStore

extension SQLiteHistory {
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
