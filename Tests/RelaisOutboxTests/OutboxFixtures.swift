import Foundation
import RelaisAggregation
import RelaisConfig
import RelaisCore
import RelaisOrders
import RelaisStore
import RelaisTesting
import RelaisRecords

/// A store in a fresh temporary directory with shipments decided under the shipped panel
/// and default policy, and the outbox configured.
struct OutboxRig {
    let directory: URL
    let store: RecordStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-outbox-\(UUID().uuidString)")
        store = try RecordStore(path: directory.appendingPathComponent("relais.sqlite").path)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// 2026-11-23T10:15:00+01:00 in milliseconds.
    static let readyMillis: Int64 = 1_795_425_300_000

    static let lyon = Site(
        id: "lyon-dc", name: "Lyon", postcode: "69007", city: "Lyon", country: "FR",
        coordinate: Coordinate(lat: 45.7323, lon: 4.8283), timeZone: TimeZone(identifier: "Europe/Paris")!)

    static func orderJSON(id: String, name: String, weight: Double = 1.2) -> String {
        """
        {"id": "\(id)", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00", "promised_by": "2026-11-26",
         "service_level": "standard", "delivery_mode": "home",
         "recipient": {"name": "\(name)", "street": ["12 rue de la Roquette"], "postcode": "75011", "city": "Paris",
                       "country": "FR", "lat": 48.853, "lon": 2.372},
         "parcels": [{"weight_kg": \(weight), "length_cm": 30, "width_cm": 20, "height_cm": 10}],
         "value": {"amount": "59.90", "currency": "EUR"}}
        """
    }

    /// The panel's tracking URL templates, as relaisd puts them in force.
    static func trackingURLs() throws -> [String: String] {
        let panel = try PanelLoader.load(directory: repository.appendingPathComponent("carriers").path)
        return Dictionary(uniqueKeysWithValues: panel.carriers.compactMap { loaded in loaded.trackingURL.map { (loaded.carrier.id, $0) } })
    }

    /// `count` queued shipments (one order each, different recipients); a weight over every
    /// service's limit makes them held at decision time instead.
    func shipments(_ count: Int, prefix: String = "O", weight: Double = 1.2) async throws -> [String] {
        let orders = (1...count).map { n in
            let decoded = OrderDecoder().decode(Data(Self.orderJSON(id: "\(prefix)-\(n)", name: "Client \(prefix) \(n)", weight: weight).utf8))
                .orders[0]
            return IncomingOrder(order: decoded.order, canonicalJSON: decoded.canonicalJSON)
        }
        _ = try await store.accept(orders, source: "test", now: Self.readyMillis)
        let panel = try PanelLoader.load(directory: Self.repository.appendingPathComponent("carriers").path)
        let text = try String(contentsOf: Self.repository.appendingPathComponent("policies/default.toml"), encoding: .utf8)
        let policy = try PolicyLoader.load(text: text, file: "default.toml", panel: panel.panel)
        let stage = AggregationStage(
            store: store, engine: DecisionEngine(panel: panel.panel, policy: policy), sites: [Self.lyon], windowSeconds: 0)
        return try await stage.runOnce(now: Self.readyMillis).created
    }

    /// Claims what is due and books `ids` among it as the booking stage would commit them
    /// (the others claimed stay `booking`).
    func book(_ ids: [String], at now: Int64) async throws {
        let claimed = try await store.claim(limit: 10_000, now: now)
        let outcomes = claimed.filter { ids.contains($0.id) }.map { claim in
            BookingOutcome(
                shipment: claim.id, carrier: claim.carrier!, service: claim.service!,
                result: .booked(trackingNumber: "TRK\(claim.id)", carrierPrice: nil, labelPath: "/labels/\(claim.id).pdf"),
                startedAt: now.instant, finishedAt: now.instant)
        }
        try await store.commit(outcomes, now: now.instant)
    }
}
