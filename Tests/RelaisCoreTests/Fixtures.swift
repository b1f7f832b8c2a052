import Foundation
import RelaisCore

/// A small hand-computable panel: numbers chosen so every expectation can be worked out
/// on paper (see each test's comment).
enum Fixtures {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// Lyon, no coordinates: distances come from `default_km`.
    static let lyon = Site(id: "lyon", name: "Lyon", postcode: "69007", city: "Lyon", country: "FR", coordinate: nil, timeZone: paris)

    static func service(
        _ code: String, mode: DeliveryMode = .home, zones: ZoneMap, rates: [[Money?]], bands: [Double] = [1, 5, 30],
        fuelPct: Double = 0, transit: [TransitTimes?], defaultKm: [Double?], cutoff: String = "17:30",
        pickup: String = "mon-fri", delivery: String = "mon-sat", maxWeightKg: Double = 30, maxLengthCm: Double = 150,
        maxGirthCm: Double = 300, divisor: Double = 5000, origins: [String] = []
    ) -> CarrierService {
        CarrierService(
            code: code, name: code, mode: mode, origins: origins.map { ZonePattern($0)! }, maxWeightKg: maxWeightKg,
            maxLengthCm: maxLengthCm, maxGirthCm: maxGirthCm, volumetricDivisor: divisor, cutoff: TimeOfDay(cutoff)!,
            pickupDays: WeekdaySet(parsing: pickup)!, deliveryDays: WeekdaySet(parsing: delivery)!, calendar: .france,
            rates: RateTable(bandMaxKg: bands, cells: rates), fuelSurchargePct: fuelPct, transit: transit,
            defaultKm: defaultKm)
    }

    static func money(_ text: String) -> Money { Money(decimal: text)! }

    /// alpha: zones FR, CORSE (FR-20*), PARIS (FR-75*). Fleet: 100 g/tkm, 10 g hub,
    /// diesel vans 100 g/parcel → 1 kg over 500 km = 50 + 10 + 100 = 160 g.
    static var alpha: Carrier {
        let zones = ZoneMap([
            ("FR", [ZonePattern("FR")!]), ("CORSE", [ZonePattern("FR-20*")!]), ("PARIS", [ZonePattern("FR-75*")!]),
        ])
        let a1 = service(
            "A1", zones: zones,
            rates: [
                [money("5.00"), money("9.00"), money("5.00")],
                [money("8.00"), money("12.00"), money("8.00")],
                [money("15.00"), nil, money("15.00")],
            ],
            fuelPct: 10,
            transit: [TransitTimes(p50: 1, p90: 2, p99: 3), TransitTimes(p50: 2, p90: 3, p99: 4), TransitTimes(p50: 1)],
            defaultKm: [500, 1000, 450])
        return Carrier(
            id: "alpha", name: "Alpha", currency: "EUR", zones: zones,
            fleet: Fleet(
                linehaulGramsPerTonneKm: 100, hubGramsPerParcel: 10,
                lastMile: [LastMileVehicle(vehicle: "van-diesel", share: 1, gramsPerParcel: 100)], dataQuality: 2),
            services: [a1])
    }

    /// beta: zone FR only. Fleet: 50 g/tkm, 10 g hub, electric vans 10 g/parcel →
    /// 1 kg over 500 km = 25 + 10 + 10 = 45 g. B1 home, R1 relay.
    static var beta: Carrier {
        let zones = ZoneMap([("FR", [ZonePattern("FR")!])])
        let rates: [[Money?]] = [[money("6.00")], [money("9.00")], [money("16.00")]]
        let transit = [TransitTimes(p50: 2, p90: 3, p99: 4)]
        return Carrier(
            id: "beta", name: "Beta", currency: "EUR", zones: zones,
            fleet: Fleet(
                linehaulGramsPerTonneKm: 50, hubGramsPerParcel: 10,
                lastMile: [LastMileVehicle(vehicle: "van-electric", share: 1, gramsPerParcel: 10)], dataQuality: 3),
            services: [
                service("B1", zones: zones, rates: rates, transit: transit, defaultKm: [500]),
                service("R1", mode: .relay, zones: zones, rates: rates, transit: transit, defaultKm: [500]),
            ])
    }

    static var panel: CarrierPanel { CarrierPanel(carriers: [alpha, beta]) }

    static func policy(
        perDay: Double = 0.60, perKg: Double = 0.10, confidence: Percentile = .p90, whenUnmeetable: WhenUnmeetable = .fastest,
        constraints: PolicyConstraints = PolicyConstraints(), rules: [PolicyRule] = [], allocations: [String: Allocation] = [:]
    ) -> Policy {
        Policy(
            name: "test", currency: "EUR", sha256: "0123", prices: PolicyPrices(perDay: PriceRate(perDay), perKgCO2e: PriceRate(perKg)),
            promise: PromisePolicy(confidence: confidence, whenUnmeetable: whenUnmeetable), constraints: constraints,
            rules: rules, allocations: allocations)
    }

    /// Monday 2026-11-23, 10:00 in Lyon.
    static let monday = CivilDate(year: 2026, month: 11, day: 23)

    static func shipment(
        postcode: String = "69001", country: String = "FR", parcels: [Parcel] = [Parcel(weightKg: 1, lengthCm: 20, widthCm: 20, heightCm: 10)],
        mode: DeliveryMode = .home, level: ServiceLevel = .standard, ready: LocalTime = LocalTime(date: monday, minuteOfDay: 600),
        promisedBy: CivilDate? = nil, tags: [String] = [], value: OrderValue? = nil, site: Site = lyon,
        coordinate: Coordinate? = nil
    ) -> Shipment {
        Shipment(
            id: "S-1", orderIDs: ["O-1"], site: site,
            recipient: Recipient(name: "Camille", street: ["1 rue X"], postcode: postcode, city: "Lyon", country: country, coordinate: coordinate),
            serviceLevel: level, deliveryMode: mode, relayPoint: mode.needsRelayPoint ? "RP-1" : nil, parcels: parcels,
            ready: ready, promisedBy: promisedBy, tags: tags, value: value)
    }
}

extension Decision {
    func candidate(_ key: String) -> CandidateEvaluation? { candidates.first { $0.key.description == key } }
}
