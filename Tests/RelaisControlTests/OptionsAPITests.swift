import Foundation
import RelaisCommands
import RelaisControl
import RelaisControlAPI
import RelaisCore
import RelaisRecords
import RelaisStore
import Testing

/// `POST /v1/options` and orders with `origins` through the control API (SPEC §15).
@Suite struct OptionsAPITests {
    static let lilleCart = """
        {"origins": ["lyon-dc", "lille-store"], "ready_at": "2026-11-23T09:00:00+01:00",
         "recipient": {"postcode": "59000", "country": "FR", "lat": 50.6292, "lon": 3.0573},
         "parcels": [{"weight_kg": 1.2, "length_cm": 30, "width_cm": 20, "height_cm": 10}]}
        """

    @Test func optionsPerModeFromTheNearestOriginStoringNothing() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let file = try rig.write("cart.json", Self.lilleCart)
        try await rig.serving { commands, client in
            let reply = try await client.post("/v1/options", body: Data(Self.lilleCart.utf8))
            #expect(reply.status == 200)
            let options = try reply.decode(OptionsReply.self)
            #expect(options.policy.name == "default")
            let home = options.options.filter { $0.mode == "home" }
            #expect(home.first?.tags.first == "recommended")
            // Same prices and dates from both sites; the store is 0.6 km away, not 560.
            #expect(!home.isEmpty && home.allSatisfy { $0.origin == "lille-store" })
            for tag in ["cheapest", "fastest", "lowest_co2e"] {
                #expect(options.options.contains { $0.mode == "home" && $0.tags.contains(tag) }, "no \(tag)")
            }
            let first = try #require(home.first)
            #expect(first.confidence == "p90" && first.deliveryDate == first.eta.p90)
            #expect(first.currency == "EUR" && first.price.contains("."))
            let object = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
            let option = try #require((object["options"] as? [[String: Any]])?.first)
            for key in ["mode", "carrier", "service", "origin", "price", "currency", "eta", "delivery_date", "confidence", "co2e_g", "cost", "tags"] {
                #expect(option[key] != nil, "missing \(key)")
            }
            let table = await commands.options(file: file)
            #expect(table.status == .success)
            #expect(table.stdout.contains("lille-store") && table.stdout.contains("recommended"))
        }
        #expect(try await rig.store.queueCounts().values.reduce(0, +) == 0)
    }

    @Test func aCartNothingCanCarryAnswersNoOptionsWithReasons() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let cart = Self.lilleCart.replacing("\"FR\"", with: "\"JP\"")
        try await rig.serving { _, client in
            let reply = try await client.post("/v1/options", body: Data(cart.utf8))
            #expect(reply.status == 200)
            let options = try reply.decode(OptionsReply.self)
            #expect(options.options.isEmpty)
            #expect(options.unavailable.map(\.mode) == ["home", "relay", "locker", "store"])
            #expect(options.unavailable.first?.reasons.contains(.coverage) == true)
        }
    }

    @Test(arguments: [
        (#"{"site": "lyon-dc", "recipient": {"country": "FR"}, "parcels": [{"weight_kg": 1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]}"#, "recipient.postcode: required"),
        (#"{"site": "lyon-dc", "origins": ["lyon-dc"], "recipient": {"postcode": "1", "country": "FR"}, "parcels": [{"weight_kg": 1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]}"#, "origins: give either site or origins, not both"),
        (#"{"origins": ["mars"], "recipient": {"postcode": "1", "country": "FR"}, "parcels": [{"weight_kg": 1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]}"#, "origins[0]: unknown site 'mars'"),
        (#"not json"#, "not valid JSON"),
    ])
    func aBadCartIs400NamingTheField(body: String, reason: String) async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { _, client in
            let reply = try await client.post("/v1/options", body: Data(body.utf8))
            #expect(reply.status == 400)
            let object = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: String])
            #expect(object["reason"]?.contains(reason) == true, "\(object)")
        }
    }

    /// An order with origins is recorded under both, decided over both, and its shipment
    /// leaves from the chosen one; the recorded decision names the origin of every candidate.
    @Test func anOrderWithOriginsLeavesFromTheChosenSite() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let order = ControlRig.order(id: "L-1").replacing(#""site": "lyon-dc""#, with: #""origins": ["lyon-dc", "lille-store"]"#)
            .replacing(#""postcode": "75011", "city": "Paris""#, with: #""postcode": "59000", "city": "Lille""#)
            .replacing(#""lat": 48.853, "lon": 2.372"#, with: #""lat": 50.6292, "lon": 3.0573"#)
        let file = try rig.write("lille.json", order)
        try await rig.serving { commands, client in
            #expect(await commands.submit(files: [file]).status == .success)
            #expect(try await client.get("/v1/orders/L-1").decode(OrderReply.self).site == "lille-store,lyon-dc")
            let id = try #require(try await rig.aggregate().first)
            let shipment = try await client.get("/v1/shipments/\(id)").decode(ShipmentReply.self)
            #expect(shipment.site == "lille-store")
            let record = try await client.get("/v1/shipments/\(id)/decision").decode(DecisionRecord.self)
            #expect(record.chosen?.origin == "lille-store")
            #expect(Set(record.candidates.compactMap(\.origin)) == ["lille-store", "lyon-dc"])
            // One row per shipment, though its decision holds each service once per origin.
            let listed = try await client.get("/v1/shipments").decode(ShipmentListReply.self)
            #expect(listed.shipments.map(\.id) == [id])
            let explained = await commands.explain(id: id)
            #expect(explained.stdout.contains("from lille-store"))
        }
        let decision = try #require(try await rig.store.decision(shipment: "S-1"))
        #expect(decision.chosen?.origin == "lille-store")
    }
}
