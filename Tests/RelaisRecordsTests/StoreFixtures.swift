import Foundation
import RelaisTesting
import RelaisCore
import RelaisOrders
import RelaisRecords
import RelaisStore

/// A store in a fresh temporary directory, and orders to put in it.
struct TemporaryStore {
    let directory: URL
    let store: RecordStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-store-\(UUID().uuidString)")
        store = try RecordStore(path: directory.appendingPathComponent("relais.sqlite").path)
    }

    var path: String { directory.appendingPathComponent("relais.sqlite").path }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

enum Orders {
    static let repository = Repository.root

    /// The sample order with another id, recipient name or ready time.
    static func json(id: String, name: String = "Camille Martin", street: String = "12 rue de la Roquette",
                     readyAt: String = "2026-11-23T10:15:00+01:00", mode: String = "home", weight: Double = 1.2) -> String {
        """
        {"id": "\(id)", "site": "lyon-dc", "ready_at": "\(readyAt)", "promised_by": "2026-11-26",
         "service_level": "standard", "delivery_mode": "\(mode)", \(mode == "home" ? "" : "\"relay_point\": \"RP-1\",")
         "recipient": {"name": "\(name)", "street": ["\(street)"], "postcode": "75011", "city": "Paris", "country": "FR",
                       "lat": 48.853, "lon": 2.372},
         "parcels": [{"weight_kg": \(weight), "length_cm": 30, "width_cm": 20, "height_cm": 10}],
         "value": {"amount": "59.90", "currency": "EUR"}}
        """
    }

    static func incoming(_ text: String) -> IncomingOrder {
        let decoded = OrderDecoder().decode(Data(text.utf8)).orders[0]
        return IncomingOrder(order: decoded.order, canonicalJSON: decoded.canonicalJSON)
    }

    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let lyon = Site(id: "lyon-dc", name: "Lyon", postcode: "69007", city: "Lyon", country: "FR",
                           coordinate: Coordinate(lat: 45.7323, lon: 4.8283), timeZone: paris)

    /// 2026-11-23T10:15:00+01:00 in milliseconds.
    static let readyMillis: Int64 = 1_795_425_300_000
}
