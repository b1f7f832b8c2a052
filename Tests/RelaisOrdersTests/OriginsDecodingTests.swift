import Foundation
import Testing
@testable import RelaisCore
@testable import RelaisOrders

/// `origins` instead of `site`, `requested_service` (SPEC §15), and the checkout cart.
@Suite struct OriginsDecodingTests {
    let decoder = OrderDecoder(knownSites: ["lyon-dc", "lille-store"])

    func decode(_ edit: (inout [String: Any]) -> Void) -> OrderDecoder.Batch {
        decoder.decode(OrderDecoderTests.order(edit))
    }

    @Test func originsListTheSitesThatMayShipIt() throws {
        let batch = decode { $0["site"] = nil; $0["origins"] = ["lyon-dc", "lille-store"]; $0["requested_service"] = "chronopost/13" }
        #expect(batch.rejections.isEmpty)
        let order = try #require(batch.orders.first?.order)
        #expect(order.origins == ["lille-store", "lyon-dc"])
        #expect(order.site == "lille-store,lyon-dc")
        #expect(order.requestedService == ServiceKey(carrier: "chronopost", service: "13"))
        #expect(batch.orders.first?.warnings.isEmpty == true)
    }

    @Test(arguments: [
        ("both", "origins", "give either site or origins, not both"),
        ("neither", "site", "required (or origins: the sites that may ship it)"),
        ("empty", "origins", "must list 1 to 16 site ids, found 0"),
        ("unknown", "origins[1]", "unknown site 'roubaix' (known: lille-store, lyon-dc)"),
        ("twice", "origins[1]", "'lyon-dc' is listed twice"),
        ("not a list", "origins", "must be an array, found a string"),
        ("requested", "requested_service", "'chronopost' is not \"carrier/service\", such as \"chronopost/13\""),
    ])
    func badOriginsAreRejectedNamingTheField(case name: String, field: String, reason: String) throws {
        let batch = decode { object in
            switch name {
            case "both": object["origins"] = ["lyon-dc"]
            case "neither": object["site"] = nil
            case "empty": object["site"] = nil; object["origins"] = [String]()
            case "unknown": object["site"] = nil; object["origins"] = ["lyon-dc", "roubaix"]
            case "twice": object["site"] = nil; object["origins"] = ["lyon-dc", "lyon-dc"]
            case "not a list": object["site"] = nil; object["origins"] = "lyon-dc"
            default: object["requested_service"] = "chronopost"
            }
        }
        #expect(batch.orders.isEmpty)
        let problems = try #require(batch.rejections.first?.problems)
        #expect(problems == [FieldProblem(field: field, reason: reason)])
    }

    @Test func aCartReadsLikeAnOrder() throws {
        let json = """
            {"origins": ["lille-store", "lyon-dc"], "recipient": {"postcode": "59000", "country": "fr", "lat": 50.63, "lon": 3.06},
             "parcels": [{"weight_kg": 1.2, "length_cm": 30, "width_cm": 20, "height_cm": 10}],
             "service_level": "express", "promised_by": "2026-11-26", "modes": ["home", "relay"]}
            """
        let decoded = try CartDecoder(knownSites: ["lyon-dc", "lille-store"]).decode(Data(json.utf8)).get()
        #expect(decoded.cart.origins == ["lille-store", "lyon-dc"])
        #expect(decoded.cart.destination == Destination(country: "FR", postcode: "59000"))
        #expect(decoded.cart.coordinate == Coordinate(lat: 50.63, lon: 3.06))
        #expect(decoded.cart.serviceLevel == .express)
        #expect(decoded.cart.modes == [.home, .relay])
        #expect(decoded.cart.readyAt == nil)
        #expect(decoded.warnings.isEmpty)
    }

    @Test(arguments: [
        (#"{"site": "lyon-dc", "parcels": [{"weight_kg": 1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]}"#, "recipient"),
        (#"{"site": "lyon-dc", "recipient": {"country": "FR"}, "parcels": [{"weight_kg": 1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]}"#, "recipient.postcode"),
        (#"{"site": "lyon-dc", "recipient": {"postcode": "1", "country": "FR"}, "parcels": [{"weight_kg": -1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]}"#, "parcels[0].weight_kg"),
        (#"{"site": "paris", "recipient": {"postcode": "1", "country": "FR"}, "parcels": [{"weight_kg": 1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]}"#, "site"),
        (#"{"site": "lyon-dc", "recipient": {"postcode": "1", "country": "FR"}, "parcels": [{"weight_kg": 1, "length_cm": 1, "width_cm": 1, "height_cm": 1}], "modes": ["drone"]}"#, "modes[0]"),
        (#"[1]"#, ""),
    ])
    func aBadCartNamesTheField(json: String, field: String) {
        guard case .failure(let rejection) = CartDecoder(knownSites: ["lyon-dc"]).decode(Data(json.utf8)) else {
            Issue.record("accepted: \(json)")
            return
        }
        #expect(rejection.problems.first?.field == field)
    }
}
