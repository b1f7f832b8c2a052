import Foundation
import Testing
@testable import RelaisCore

/// Origin choice and requested services (SPEC §15) on the fixture panel, from two sites on
/// one meridian so that distances work out on paper:
///
/// - `lille-store` at 50°N 3°E, the recipient's own spot: great-circle 0 km.
/// - `dc` (the warehouse) at 45°N 3°E: 5° of latitude = 6371 × 5π/180 = 555.97 km,
///   × 1.05 = 583.77 km.
///
/// For the default 1 kg parcel home to FR-59000, ready Monday 23 Nov 10:00:
/// - alpha/A1 from the store: 100 g/tkm × 0 km + 10 + 100 = 110 g; cost 5.50 + 0.60 +
///   0.10 × 0.110 = 6.1110.
/// - alpha/A1 from dc: 100 × 583.77 × 0.001 = 58.38 g + 110 = 168.38 g; cost 5.50 + 0.60 +
///   0.0168 = 6.1168.
/// - beta/B1 from the store: 0 + 10 + 10 = 20 g; cost 6.00 + 1.20 + 0.0020 = 7.2020.
/// - beta/B1 from dc: 50 × 583.77 × 0.001 = 29.19 g + 20 = 49.19 g; cost 7.2049.
@Suite struct OriginChoiceTests {
    static let store = Site(
        id: "lille-store", name: "Lille", postcode: "59000", city: "Lille", country: "FR",
        coordinate: Coordinate(lat: 50, lon: 3), timeZone: Fixtures.paris, cutoff: TimeOfDay("12:00"))
    static let dc = Site(
        id: "dc", name: "Warehouse", postcode: "69007", city: "Lyon", country: "FR", coordinate: Coordinate(lat: 45, lon: 3),
        timeZone: Fixtures.paris)

    static func shipment(
        origins: [Site] = [dc, store], mode: DeliveryMode = .home, level: ServiceLevel = .standard, minute: Int = 600,
        promisedBy: CivilDate? = nil, requested: String? = nil
    ) -> Shipment {
        var shipment = Fixtures.shipment(
            postcode: "59000", mode: mode, level: level, ready: LocalTime(date: Fixtures.monday, minuteOfDay: minute),
            promisedBy: promisedBy, site: origins[0], coordinate: Coordinate(lat: 50, lon: 3))
        shipment.origins = origins.sorted { $0.id < $1.id }
        shipment.site = shipment.origins[0]
        shipment.requestedService = requested.flatMap(ServiceKey.init(parsing:))
        return shipment
    }

    func decide(_ shipment: Shipment, panel: CarrierPanel = Fixtures.panel, policy: Policy = Fixtures.policy()) -> Decision {
        DecisionEngine(panel: panel, policy: policy).decide(shipment)
    }

    @Test func theLilleOrderLeavesFromTheLilleStore() throws {
        let decision = decide(Self.shipment())
        let chosen = try #require(decision.chosen)
        #expect(chosen.key.description == "alpha/A1")
        #expect(chosen.origin == "lille-store")
        #expect(chosen.co2eGrams == 110)
        #expect(chosen.cost?.description == "6.1110")
        let fromDC = try #require(decision.candidates.first { $0.key.description == "alpha/A1" && $0.origin == "dc" })
        #expect(abs(fromDC.co2eGrams! - 168.377) < 0.001)
        #expect(fromDC.cost?.description == "6.1168")
        #expect(fromDC.rank == 2)
        // Every (origin, service) pair is scored: 3 services × 2 origins.
        #expect(decision.candidates.count == 6)
        #expect(decision.candidates.filter(\.isEligible).map { "\($0.key)@\($0.origin!)" }
            == ["alpha/A1@lille-store", "alpha/A1@dc", "beta/B1@lille-store", "beta/B1@dc"])
        #expect(DecisionRecord(decision).chosen == .init(carrier: "alpha", service: "A1", origin: "lille-store"))
        #expect(decision.distanceBasis == .greatCircle)
    }

    /// Express (per_day 5.00) ready at 14:00: the store's own 12:00 handover moves its
    /// pickup to Tuesday, p50 Wednesday (lead 2): 5.50 + 10.00 + 0.011 = 15.5110; the
    /// warehouse still collects on Monday, p50 Tuesday (lead 1): 5.50 + 5.00 + 0.0168 =
    /// 10.5168. Ready at 10:00 the store makes Monday's pickup and wins again.
    @Test(arguments: [(600, "lille-store", "10.5110"), (840, "dc", "10.5168")])
    func aStorePastItsCutoffLosesToTheWarehouseForExpress(minute: Int, origin: String, cost: String) throws {
        let express = PolicyRule(name: "express", when: RuleCondition(serviceLevels: [.express]), perDay: PriceRate(5.00))
        let decision = decide(Self.shipment(level: .express, minute: minute), policy: Fixtures.policy(rules: [express]))
        let chosen = try #require(decision.chosen)
        #expect(chosen.key.description == "alpha/A1")
        #expect(chosen.origin == origin)
        #expect(chosen.cost?.description == cost)
        if minute == 840 {
            let store = try #require(decision.candidates.first { $0.key.description == "alpha/A1" && $0.origin == "lille-store" })
            #expect(store.leadDays == 2)
            #expect(store.cost?.description == "15.5110")
        }
    }

    /// beta/R1 collects from FR-69* only: from the store a relay order fails on `coverage`,
    /// and leaves from the warehouse.
    @Test func aStoreWithoutCoverageForAMode() throws {
        var beta = Fixtures.beta
        beta.services[1].origins = [ZonePattern("FR-69*")!]
        let panel = CarrierPanel(carriers: [Fixtures.alpha, beta])
        let decision = decide(Self.shipment(mode: .relay), panel: panel)
        #expect(decision.candidates.first { $0.key.description == "beta/R1" && $0.origin == "lille-store" }?.reasons == .coverage)
        #expect(decision.chosen?.key.description == "beta/R1")
        #expect(decision.chosen?.origin == "dc")
        // From the store alone, nothing carries it: held, with the reason.
        let storeOnly = decide(Self.shipment(origins: [Self.store], mode: .relay), panel: panel)
        #expect(storeOnly.held)
        #expect(storeOnly.candidate("beta/R1")?.reasons == .coverage)
    }

    /// Two stores at the same spot score the same on every figure: the origin id decides,
    /// in byte order, whatever order the order listed them in.
    @Test(arguments: [["b-store", "a-store"], ["a-store", "b-store"]])
    func tiesGoToTheOriginIdInByteOrder(ids: [String]) throws {
        let sites = ids.map { Site(id: $0, name: $0, postcode: "59000", country: "FR", coordinate: nil, timeZone: Fixtures.paris) }
        let shipment = Self.shipment(origins: sites)
        let decision = decide(shipment)
        #expect(decision.chosen?.origin == "a-store")
        #expect(decision.candidates.prefix(2).map { $0.origin! } == ["a-store", "b-store"])
        #expect(decision.candidates[0].cost == decision.candidates[1].cost)
        #expect(decision.distanceBasis == .zoneDefault)
    }

    /// beta/B1 costs more than alpha/A1 (7.2045 against 6.1160 from Lyon) but the customer
    /// chose it: honoured, and ranked first; the policy's own pick follows.
    @Test func requestedServiceHonouredWhileEligible() throws {
        var shipment = Fixtures.shipment()
        shipment.requestedService = ServiceKey(carrier: "beta", service: "B1")
        let decision = decide(shipment)
        #expect(decision.chosen?.key.description == "beta/B1")
        #expect(decision.chosen?.rank == 1)
        #expect(decision.candidate("alpha/A1")?.rank == 2)
        #expect(decision.requested == RequestedServiceOutcome(key: ServiceKey(carrier: "beta", service: "B1"), honoured: true, origin: "lyon"))
        let record = DecisionRecord(decision)
        #expect(record.requested?.honoured == true)
    }

    /// Not eligible: B1's p90 is Thursday 26 against a promise of Wednesday 25 (`promise`);
    /// R1 delivers to relays (`mode`); a service the panel lacks. Each time the decision
    /// picks as usual (alpha/A1) and says why.
    @Test(arguments: [
        ("beta/B1", CivilDate("2026-11-25"), ReasonSet.promise, true),
        ("beta/R1", nil, ReasonSet.mode, true),
        ("gamma/G9", nil, ReasonSet(), false),
    ])
    func requestedServiceNotEligible(key: String, promisedBy: CivilDate?, reasons: ReasonSet, inPanel: Bool) throws {
        var shipment = Fixtures.shipment(promisedBy: promisedBy)
        shipment.requestedService = ServiceKey(parsing: key)
        let decision = decide(shipment)
        #expect(decision.chosen?.key.description == "alpha/A1")
        let requested = try #require(decision.requested)
        #expect(!requested.honoured)
        #expect(requested.reasons == reasons)
        #expect(requested.inPanel == inPanel)
        #expect(requested.summary.hasPrefix("requested \(key): not "))
    }

    @Test func aShipmentOfOrdersWithOriginsScoresEveryOrigin() {
        let order = Order(
            id: "A-1", origins: ["lille-store", "dc"], readyAt: 1_795_424_400, readyAtText: "2026-11-23T10:00:00+01:00",
            promisedBy: nil, serviceLevel: .standard, deliveryMode: .home, relayPoint: nil,
            recipient: Recipient(name: "C", street: ["1 rue"], postcode: "59000", city: "Lille", country: "FR", coordinate: Coordinate(lat: 50, lon: 3)),
            parcels: [Parcel(weightKg: 1, lengthCm: 20, widthCm: 20, heightCm: 10)], value: nil, tags: [],
            requestedService: nil)
        #expect(order.origins == ["dc", "lille-store"])
        #expect(order.site == "dc,lille-store")
        let shipment = Shipment(id: "S-1", orders: [order], origins: [Self.store, Self.dc])
        #expect(shipment.origins.map(\.id) == ["dc", "lille-store"])
        #expect(decide(shipment).chosen?.origin == "lille-store")
        // Booking rebuilds it leaving from the chosen origin.
        #expect(Shipment(id: "S-1", orders: [order], site: Self.store).site.id == "lille-store")
    }

    @Test func ordersWithDifferentOriginListsNeverConsolidate() {
        func order(_ origins: [String], requested: ServiceKey? = nil) -> Order {
            Order(
                id: "A", origins: origins, readyAt: 0, readyAtText: "", promisedBy: nil, serviceLevel: .standard,
                deliveryMode: .home, relayPoint: nil,
                recipient: Recipient(name: "C", street: ["1 rue"], postcode: "59000", city: "Lille", country: "FR"),
                parcels: [], value: nil, tags: [], requestedService: requested)
        }
        let key = Consolidation.consolidationKey
        #expect(key(order(["a", "b"])) == key(order(["b", "a"])))
        #expect(key(order(["a", "b"])) != key(order(["a"])))
        #expect(key(order(["a"])) == key(Order(id: "A", site: "a", readyAt: 0, readyAtText: "", promisedBy: nil, serviceLevel: .standard,
            deliveryMode: .home, relayPoint: nil,
            recipient: Recipient(name: "C", street: ["1 rue"], postcode: "59000", city: "Lille", country: "FR"),
            parcels: [], value: nil, tags: [])))
        #expect(key(order(["a"], requested: ServiceKey(carrier: "x", service: "1"))) != key(order(["a"])))
    }

    @Test func allocationsCountAtEachOrigin() {
        let capped = Fixtures.policy(allocations: ["alpha": Allocation(carrier: "alpha", dailyCap: 5)])
        let context = DecisionContext(bookedTodayBySite: [
            "lille-store": SiteBookings(total: 5, perCarrier: ["alpha": 5]), "dc": SiteBookings(total: 0),
        ])
        let decision = DecisionEngine(panel: Fixtures.panel, policy: capped).decide(Self.shipment(), context: context)
        #expect(decision.candidates.first { $0.key.description == "alpha/A1" && $0.origin == "lille-store" }?.reasons == .capacity)
        #expect(decision.chosen?.origin == "dc")
        #expect(decision.chosen?.key.description == "alpha/A1")
    }
}
