import GRDB
import RelaisCore
import RelaisStore

extension SQLiteHistory {
    public func forEachBooked(bookedFrom from: Int64, until: Int64, _ body: (BookedShipment) throws -> Void) throws {
        try queue.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.id, s.site, s.carrier, s.service, s.booked_at, s.price_minor, s.currency, s.carrier_price_minor,
                        s.co2e_g, c.data_quality, c.km, d.distance_basis, s.parcels, s.weight_kg
                    FROM shipments s INDEXED BY shipments_booked
                    LEFT JOIN decisions d ON d.id = s.decision_id
                    LEFT JOIN decision_candidates c
                        ON c.decision_id = s.decision_id AND c.carrier = s.carrier AND c.service = s.service
                        AND (c.origin IS NULL OR c.origin = s.site)
                    WHERE s.booked_at >= ? AND s.booked_at < ? AND s.state = 'booked' AND s.carrier IS NOT NULL
                    ORDER BY s.booked_at
                    """, arguments: [from, until])
            while let row = try cursor.next() {
                let price: Int64? = row[5]
                let carrierPrice: Int64? = row[7]
                var emissions: ShipmentEmissions?
                if let co2e: Double = row[8], let quality: Int = row[9] {
                    emissions = ShipmentEmissions(
                        co2eGrams: co2e, dataQuality: quality, distanceKm: row[10],
                        distanceBasis: (row[11] as String?).flatMap(DistanceBasis.init(rawValue:)), parcels: row[12],
                        weightKg: row[13])
                }
                try body(
                    BookedShipment(
                        id: row[0], site: row[1], key: ServiceKey(carrier: row[2], service: row[3]), bookedAt: row[4],
                        price: price.map(Money.init(minorUnits:)), currency: row[6],
                        carrierPrice: carrierPrice.map(Money.init(minorUnits:)), parcels: row[12], emissions: emissions))
            }
        }
    }

    public func carrierIncidents(from: Int64, until: Int64) throws -> [String: CarrierIncidents] {
        try queue.read { db in
            var incidents: [String: CarrierIncidents] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT carrier, failure_class, COUNT(*) FROM booking_attempts
                    WHERE finished_at >= ? AND finished_at < ?
                    GROUP BY carrier, failure_class
                    """, arguments: [from, until])
            {
                let carrier: String = row[0]
                let count: Int = row[2]
                incidents[carrier, default: CarrierIncidents()].attempts += count
                if let name: String = row[1], let failureClass = FailureClass(rawValue: name) {
                    incidents[carrier, default: CarrierIncidents()].failures[failureClass, default: 0] += count
                }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT carrier, COUNT(*) FROM events
                    WHERE kind = ? AND carrier IS NOT NULL AND at >= ? AND at < ?
                    GROUP BY carrier
                    """, arguments: [EventKind.breakerOpened.name, from, until])
            {
                incidents[row[0], default: CarrierIncidents()].breakerOpenings = row[1]
            }
            return incidents
        }
    }
}
