import Foundation
import Testing
@testable import RelaisCore

/// Checkout options (SPEC §15) for a 1 kg cart from Lyon to FR-69001, ready Monday 23 Nov
/// 10:00, on the fixture panel plus gamma/G1, a same-day courier:
///
/// - alpha/A1: 5.50, p90 Wed 25, 160 g, cost 6.1160 — the decision's pick and the cheapest.
/// - beta/B1: 6.00, p90 Thu 26, 45 g, cost 7.2045 — the lowest CO2e.
/// - gamma/G1: 12.00, same day (p90 Mon 23), 200 × 500 × 0.001 + 10 + 100 = 210 g, cost
///   12.00 + 0 + 0.021 = 12.0210 — the fastest.
/// - relay: beta/R1 alone, so it carries every tag; locker and store: no service at all.
@Suite struct DeliveryOptionsTests {
    static var gamma: Carrier {
        let zones = ZoneMap([("FR", [ZonePattern("FR")!])])
        let rate = Fixtures.money("12.00")
        return Carrier(
            id: "gamma", name: "Gamma", currency: "EUR", zones: zones,
            fleet: Fixtures.alpha.fleet.with(linehaul: 200),
            services: [
                Fixtures.service("G1", zones: zones, rates: [[rate], [rate], [rate]], transit: [TransitTimes(p50: 0)], defaultKm: [500])
            ])
    }

    static let engine = DecisionEngine(panel: CarrierPanel(carriers: [Fixtures.alpha, Fixtures.beta, gamma]), policy: Fixtures.policy())

    static func cart(promisedBy: CivilDate? = nil, modes: [DeliveryMode]? = nil, postcode: String = "69001") -> Shipment {
        Cart(origins: ["lyon"], destination: Destination(country: "FR", postcode: postcode), parcels: [Parcel(weightKg: 1, lengthCm: 20, widthCm: 20, heightCm: 10)], promisedBy: promisedBy, modes: modes)
            .shipment(mode: .home, sites: [Fixtures.lyon], readyAt: 1_795_424_400)
    }

    func tags(_ options: DeliveryOptions, _ mode: DeliveryMode) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: options.options.filter { $0.mode == mode }.map {
            ($0.candidate.key.description, $0.tags.map(\.rawValue))
        })
    }

    @Test func oneOptionIsCheapestAnotherFastestAnotherGreenest() throws {
        let options = DeliveryOptions.make(for: Self.cart(), modes: [.home], engine: Self.engine)
        #expect(tags(options, .home) == [
            "alpha/A1": ["recommended", "cheapest"], "gamma/G1": ["fastest"], "beta/B1": ["lowest_co2e"],
        ])
        #expect(options.options.map(\.candidate.key.description) == ["alpha/A1", "gamma/G1", "beta/B1"])
        let fastest = try #require(options.options.first { $0.candidate.key.service == "G1" })
        #expect(fastest.deliveryDate == CivilDate("2026-11-23"))
        #expect(fastest.confidence == .p90)
        #expect(fastest.candidate.price?.description == "12.00")
        #expect(fastest.candidate.cost?.description == "12.0210")
        #expect(fastest.candidate.origin == "lyon")
        let recommended = try #require(options.options.first)
        #expect(recommended.deliveryDate == CivilDate("2026-11-25"))
        #expect(recommended.candidate.cost?.description == "6.1160")
        #expect(options.unavailable.isEmpty)
    }

    @Test func aModeWithOneServiceCarriesEveryTagAndModesWithoutAnyAreUnavailable() {
        let options = DeliveryOptions.make(for: Self.cart(), modes: DeliveryMode.allCases, engine: Self.engine)
        #expect(tags(options, .relay) == ["beta/R1": ["recommended", "cheapest", "fastest", "lowest_co2e"]])
        #expect(options.unavailable.map(\.mode) == [.locker, .store])
        #expect(options.unavailable.allSatisfy { $0.reasons == .mode })
    }

    /// Belgium: no zone of any carrier; nothing can carry it, and every mode says why.
    @Test func aCartNothingCanCarryHasNoOptionsAndReasonsPerMode() {
        var cart = Self.cart()
        cart.recipient.country = "BE"
        cart.recipient.postcode = "1000"
        let options = DeliveryOptions.make(for: cart, modes: [.home, .relay], engine: Self.engine)
        #expect(options.options.isEmpty)
        #expect(options.unavailable.map(\.mode) == [.home, .relay])
        #expect(options.unavailable[0].reasons == .coverage)
        #expect(options.unavailable[0].summary == "coverage ×3")
        #expect(options.unavailable[1].summary == "coverage ×1")
    }

    /// Promised for Tuesday 24: only gamma (same day) meets it at p90. It is recommended,
    /// and the others are not offered, since they would break the promise.
    @Test func aPromiseLeavesOnlyTheServicesThatMeetIt() {
        let options = DeliveryOptions.make(for: Self.cart(promisedBy: CivilDate("2026-11-24")), modes: [.home], engine: Self.engine)
        #expect(tags(options, .home) == ["gamma/G1": ["recommended", "cheapest", "fastest", "lowest_co2e"]])
    }

    /// Promised for Sunday 22, before the cart is even ready: nothing meets it; the fastest
    /// is offered, tagged late (the policy's `when_unmeetable = "fastest"`).
    @Test func anUnmeetablePromiseOffersTheFastestAsLate() throws {
        let options = DeliveryOptions.make(for: Self.cart(promisedBy: CivilDate("2026-11-22")), modes: [.home], engine: Self.engine)
        let first = try #require(options.options.first)
        #expect(first.candidate.key.description == "gamma/G1")
        #expect(first.tags.contains(.recommended) && first.tags.contains(.late))
    }
}

extension Fleet {
    fileprivate func with(linehaul: Double) -> Fleet {
        var copy = self
        copy.linehaulGramsPerTonneKm = linehaul
        return copy
    }
}
