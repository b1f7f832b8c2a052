import Foundation
import RelaisTesting
import RelaisAggregation
import RelaisConfig
import RelaisCore
import RelaisOrders
import RelaisRecords
import RelaisStore

/// A small recorded history whose figures can be worked out by hand.
///
/// Two carriers, one service each, flat rates, no fuel surcharge, and recipients without
/// coordinates, so every distance is the zone default (500 km):
///
/// | service  | ≤ 5 kg | ≤ 30 kg | max kg | transit p50 | linehaul g/t·km | hub g | last mile g | quality |
/// |----------|--------|---------|--------|-------------|-----------------|-------|-------------|---------|
/// | alpha/A1 | 5.00   | 10.00   | 30     | 3 days      | 100             | 20    | 180 (diesel)| 1       |
/// | beta/B1  | 7.00   | —       | 5      | 1 day       | 50              | 10    | 10 (bike)   | 3       |
///
/// Both also serve Corsica (zone CORSE, `FR-20*`): one transit day more, dearer, 900 km.
///
/// CO2e of one parcel: alpha 100 × 500 × t + 200, so 300 g at 2 kg and 700 g at 10 kg;
/// beta 50 × 500 × t + 20, so 70 g at 2 kg. Ready Monday 2026-11-23 10:00 (Paris), picked up
/// that day: alpha arrives Thursday (3 lead days), beta Tuesday (1).
///
/// Under `old` (0.10 a day, no carbon price) alpha wins everything: light 5.30 against 7.10.
/// Under `new` (1.50 a day, 0.10 per kg CO2e) light parcels move to beta, 8.507 against
/// 9.53; heavy ones stay on alpha, the only service that takes 10 kg.
struct HistoryFixture {
    let root: URL
    let store: RecordStore
    let panel: CarrierPanel
    let site: Site

    static let paris = TimeZone(identifier: "Europe/Paris")!
    /// Monday 2026-11-23 10:00 in Paris (09:00 UTC), in ms.
    static let monday: Int64 = 1_795_424_400_000

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("relais-reports-\(UUID().uuidString)")
        try Self.write(root)
        store = try RecordStore(path: root.appendingPathComponent("state/relais.sqlite").path)
        panel = try PanelLoader.load(directory: root.appendingPathComponent("carriers").path).panel
        site = Site(
            id: "lyon-dc", name: "Lyon", postcode: "69007", city: "Lyon", country: "FR",
            coordinate: Coordinate(lat: 45.75, lon: 4.85), timeZone: Self.paris)
    }

    var databasePath: String { root.appendingPathComponent("state/relais.sqlite").path }
    var configPath: String { root.appendingPathComponent("relais.toml").path }
    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func policy(_ name: String) throws -> Policy {
        try PolicyLoader.load(file: path("policies/\(name).toml"), panel: panel)
    }

    /// Orders accepted and decided under `policy` at `now`, one shipment each.
    @discardableResult
    func record(
        _ orders: [(id: String, kg: Double)], policy: String = "old", now: Int64 = monday, readyAt: String = "2026-11-23T10:00:00+01:00",
        promisedBy: String = "2026-12-31", postcode: String = "75002"
    ) async throws -> [String] {
        let incoming = orders.map { order in
            let text = Self.order(id: order.id, kg: order.kg, readyAt: readyAt, promisedBy: promisedBy, postcode: postcode)
            let decoded = OrderDecoder().decode(Data(text.utf8)).orders[0]
            return IncomingOrder(order: decoded.order, canonicalJSON: decoded.canonicalJSON)
        }
        _ = try await store.accept(incoming, source: "test", now: now)
        let stage = AggregationStage(
            store: store, engine: DecisionEngine(panel: panel, policy: try self.policy(policy)), sites: [site], windowSeconds: 0)
        return try await stage.runOnce(now: now).created
    }

    /// Claims every queued shipment and books it at `now`.
    func bookAll(now: Int64) async throws {
        let claimed = try await store.claim(limit: 1_000, now: now)
        try await store.commit(
            claimed.map { shipment in
                BookingOutcome(
                    shipment: shipment.id, carrier: shipment.carrier!, service: shipment.service!,
                    result: .booked(trackingNumber: "T-\(shipment.id)", carrierPrice: nil, labelPath: nil), startedAt: now.instant,
                    finishedAt: now.instant)
            }, now: now.instant)
    }

    /// The carrier's `delivered` event for `shipment` at `at` (ms), as a tracking poll records it.
    func deliver(_ shipment: String, at: Int64) async throws {
        let event = TrackingEvent(at: at.instant, code: "DI1", status: .delivered, label: "Livré")
        try await store.recordTracking(
            [TrackingPoll(shipmentID: shipment, outcome: .events([event]), pickup: at.instant, bookedAt: at.instant)],
            schedule: TrackingSchedule(), now: at.instant)
    }

    static func order(id: String, kg: Double, readyAt: String, promisedBy: String = "2026-12-31", postcode: String = "75002") -> String {
        """
        {"id": "\(id)", "site": "lyon-dc", "ready_at": "\(readyAt)", "promised_by": "\(promisedBy)",
         "service_level": "standard", "delivery_mode": "home",
         "recipient": {"name": "Client \(id)", "street": ["\(id.count) rue de la Paix"], "postcode": "\(postcode)", "city": "Paris", "country": "FR"},
         "parcels": [{"weight_kg": \(kg), "length_cm": 30, "width_cm": 20, "height_cm": 10}]}
        """
    }

    static func write(_ root: URL) throws {
        let files: [String: String] = [
            "carriers/alpha/carrier.toml": carrier(
                id: "alpha", code: "A1", maxKg: 30, rates: "rates.csv", p50: 3, linehaul: 100, hub: 20,
                vehicle: "van-diesel", lastMile: 180, quality: 1),
            "carriers/alpha/rates.csv": "max_kg,FR,CORSE\n5,5.00,8.00\n30,10.00,16.00\n",
            "carriers/beta/carrier.toml": carrier(
                id: "beta", code: "B1", maxKg: 5, rates: "rates.csv", p50: 1, linehaul: 50, hub: 10,
                vehicle: "cargo-bike", lastMile: 10, quality: 3),
            "carriers/beta/rates.csv": "max_kg,FR,CORSE\n5,7.00,9.00\n",
            "policies/old.toml": policy(name: "old", perDay: "0.10", perKg: "0.00"),
            "policies/new.toml": policy(name: "new", perDay: "1.50", perKg: "0.10"),
            "policies/capped.toml": policy(name: "capped", perDay: "1.50", perKg: "0.10")
                + "\n[[allocation]]\ncarrier = \"beta\"\ndaily_cap = 2\n",
            "policies/limits.toml": policy(name: "limits", perDay: "0.10", perKg: "0.00")
                + "\n[[allocation]]\ncarrier = \"alpha\"\nmax_share = 0.5\ndaily_cap = 3\n",
            "relais.toml": """
                [paths]
                state = "\(root.appendingPathComponent("state").path)"
                spool = "\(root.appendingPathComponent("spool").path)"
                carriers = "\(root.appendingPathComponent("carriers").path)"
                policies = "\(root.appendingPathComponent("policies").path)"
                socket = "\(root.appendingPathComponent("relais.sock").path)"

                [policy]
                active = "limits"

                [[site]]
                id = "lyon-dc"
                name = "Lyon"
                street = ["10 avenue Tony Garnier"]
                postcode = "69007"
                city = "Lyon"
                country = "FR"
                lat = 45.75
                lon = 4.85
                timezone = "Europe/Paris"
                """,
        ]
        for (relative, text) in files {
            let url = root.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    static func carrier(
        id: String, code: String, maxKg: Int, rates: String, p50: Int, linehaul: Int, hub: Int, vehicle: String, lastMile: Int,
        quality: Int
    ) -> String {
        """
        id = "\(id)"
        name = "\(id.capitalized)"

        [zones]
        FR = ["FR"]
        CORSE = ["FR-20*"]

        [fleet]
        linehaul_g_per_tkm = \(linehaul)
        hub_g_per_parcel = \(hub)
        last_mile = [ { vehicle = "\(vehicle)", share = 1.0, g_per_parcel = \(lastMile) } ]
        data_quality = \(quality)

        [[service]]
        code = "\(code)"
        name = "\(id.capitalized) \(code)"
        mode = "home"
        max_weight_kg = \(maxKg)
        max_length_cm = 150
        max_girth_cm = 300
        volumetric_divisor = 5000
        cutoff = "17:30"
        pickup_days = "mon-fri"
        delivery_days = "mon-sat"
        calendar = "FR"
        rates = "\(rates)"
        fuel_surcharge_pct = 0
        transit = { FR = { p50 = \(p50) }, CORSE = { p50 = \(p50 + 1) } }
        default_km = { FR = 500, CORSE = 900 }
        """
    }

    static func policy(name: String, perDay: String, perKg: String) -> String {
        """
        [policy]
        name = "\(name)"
        currency = "EUR"

        [prices]
        per_day = \(perDay)
        per_kg_co2e = \(perKg)

        [promise]
        confidence = "p90"
        when_unmeetable = "fastest"

        [constraints]
        exclude = []
        fleet = []
        """
    }
}
