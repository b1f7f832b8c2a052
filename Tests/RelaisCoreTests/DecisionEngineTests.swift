import Foundation
import Testing
@testable import RelaisCore

/// The decision of SPEC §7 on the fixture panel. Hand computations for the default
/// shipment (1 kg, 20×20×10 cm, Lyon → FR-69001, ready Monday 23 Nov 10:00):
///
/// - alpha/A1: 5.00 × 1.10 = 5.50; pickup Mon 23, p50 Tue 24 (lead 1), p90 Wed 25;
///   CO2e 100 × 500 × 0.001 + 10 + 100 = 160 g; cost 5.50 + 0.60 + 0.016 = 6.1160.
/// - beta/B1: 6.00; p50 Wed 25 (lead 2), p90 Thu 26; CO2e 50 × 500 × 0.001 + 10 + 10 = 45 g;
///   cost 6.00 + 1.20 + 0.0045 = 7.2045.
/// - beta/R1: relay, so `mode`.
@Suite struct DecisionEngineTests {
    func decide(_ shipment: Shipment = Fixtures.shipment(), policy: Policy = Fixtures.policy(), context: DecisionContext = .offline)
        -> Decision
    {
        DecisionEngine(panel: Fixtures.panel, policy: policy).decide(shipment, context: context)
    }

    @Test func ranksByGeneralisedCost() throws {
        let decision = decide()
        #expect(decision.chosen?.key.description == "alpha/A1")
        let alpha = try #require(decision.candidate("alpha/A1"))
        #expect(alpha.price?.description == "5.50")
        #expect(alpha.leadDays == 1)
        #expect(alpha.eta == ETA(p50: CivilDate("2026-11-24")!, p90: CivilDate("2026-11-25")!, p99: CivilDate("2026-11-26")!))
        #expect(alpha.co2eGrams == 160)
        #expect(alpha.cost?.description == "6.1160")
        #expect(alpha.rank == 1)
        let beta = try #require(decision.candidate("beta/B1"))
        #expect(beta.price?.description == "6.00")
        #expect(beta.leadDays == 2)
        #expect(beta.co2eGrams == 45)
        #expect(beta.cost?.description == "7.2045")
        #expect(beta.rank == 2)
        #expect(decision.candidate("beta/R1")?.reasons == .mode)
        #expect(decision.candidate("beta/R1")?.rank == nil)
        #expect(decision.candidates.map(\.key.description) == ["alpha/A1", "beta/B1", "beta/R1"])
        #expect(!decision.late && !decision.held)
    }

    /// With CO2e at 10 €/kg: alpha 5.50 + 0.60 + 1.60 = 7.70, beta 6.00 + 1.20 + 0.45 = 7.65.
    @Test func aHighCarbonPriceChangesTheWinner() {
        let decision = decide(policy: Fixtures.policy(perKg: 10))
        #expect(decision.chosen?.key.description == "beta/B1")
        #expect(decision.candidate("beta/B1")?.cost?.description == "7.6500")
        #expect(decision.candidate("alpha/A1")?.cost?.description == "7.7000")
    }

    @Test func excludedByCarrierOrService() {
        let byCarrier = decide(policy: Fixtures.policy(constraints: PolicyConstraints(exclude: ["alpha"])))
        #expect(byCarrier.candidate("alpha/A1")?.reasons == .excluded)
        #expect(byCarrier.chosen?.key.description == "beta/B1")
        let byService = decide(policy: Fixtures.policy(constraints: PolicyConstraints(exclude: ["beta/B1"])))
        #expect(byService.candidate("beta/B1")?.reasons == .excluded)
        #expect(byService.candidate("beta/R1")?.reasons == .mode)
    }

    /// Beta has no zone for Belgium; alpha neither.
    @Test func coverageWhenNoZoneMatches() {
        let decision = decide(Fixtures.shipment(postcode: "1000", country: "BE"))
        #expect(decision.candidate("alpha/A1")?.reasons == .coverage)
        #expect(decision.candidate("beta/B1")?.reasons == .coverage)
        #expect(decision.candidate("alpha/A1")?.price == nil)
        #expect(decision.held)
        #expect(decision.chosen == nil)
    }

    @Test func coverageWhenTheServiceDoesNotCollectFromTheSite() {
        var alpha = Fixtures.alpha
        alpha.services[0].origins = [ZonePattern("FR-75*")!]
        let engine = DecisionEngine(panel: CarrierPanel(carriers: [alpha, Fixtures.beta]), policy: Fixtures.policy())
        #expect(engine.decide(Fixtures.shipment()).candidate("alpha/A1")?.reasons == .coverage)
    }

    @Test func weightAndSizeLimitsApplyPerParcel() {
        let heavy = decide(Fixtures.shipment(parcels: [Parcel(weightKg: 31, lengthCm: 20, widthCm: 20, heightCm: 10)]))
        // 31 kg is over max_weight_kg 30 and over the last band (30 kg): weight and rate.
        #expect(heavy.candidate("alpha/A1")?.reasons == [.weight, .rate])
        let long = decide(Fixtures.shipment(parcels: [Parcel(weightKg: 1, lengthCm: 20, widthCm: 160, heightCm: 10)]))
        #expect(long.candidate("alpha/A1")?.reasons == .size)  // longest side 160 > 150, whichever field holds it
        // Girth: 140 + 2 × (60 + 50) = 360 > 300, though no side exceeds 150.
        let bulky = decide(Fixtures.shipment(parcels: [Parcel(weightKg: 1, lengthCm: 60, widthCm: 140, heightCm: 50)]))
        #expect(bulky.candidate("alpha/A1")?.reasons.contains(.size) == true)
    }

    /// Corsica: alpha's CORSE column has no price above 5 kg; 6 kg → `rate`.
    @Test func rateWhenTheBandHasNoPriceForTheZone() {
        let decision = decide(Fixtures.shipment(postcode: "20000", parcels: [Parcel(weightKg: 6, lengthCm: 20, widthCm: 20, heightCm: 10)]))
        #expect(decision.candidate("alpha/A1")?.reasons == .rate)
        #expect(decision.candidate("alpha/A1")?.price == nil)
    }

    /// FR-20000 matches both "FR" and "FR-20*": the longer wins, so CORSE prices apply:
    /// 9.00 × 1.10 = 9.90, and CORSE transit p50 = 2.
    @Test func theLongestZonePatternWins() {
        let decision = decide(Fixtures.shipment(postcode: "20000"))
        #expect(decision.candidate("alpha/A1")?.price?.description == "9.90")
        #expect(decision.candidate("alpha/A1")?.leadDays == 2)
    }

    @Test func fleetConstraintRejectsCarriersUsingOtherVehicles() {
        let decision = decide(policy: Fixtures.policy(constraints: PolicyConstraints(fleet: ["van-electric", "cargo-bike"])))
        #expect(decision.candidate("alpha/A1")?.reasons == .fleet)
        #expect(decision.chosen?.key.description == "beta/B1")
    }

    @Test func co2eLimit() {
        let decision = decide(policy: Fixtures.policy(constraints: PolicyConstraints(maxCO2eGrams: 159.9)))
        #expect(decision.candidate("alpha/A1")?.reasons == .co2e)
        let atLimit = decide(policy: Fixtures.policy(constraints: PolicyConstraints(maxCO2eGrams: 160)))
        #expect(atLimit.candidate("alpha/A1")?.isEligible == true)
    }

    @Test func capacityFromTheDailyCapAndTheShareOnceTwentyAreBooked() {
        let capped = Fixtures.policy(allocations: ["alpha": Allocation(carrier: "alpha", dailyCap: 5)])
        #expect(decide(policy: capped, context: DecisionContext(siteBookedToday: 10, carrierBookedToday: ["alpha": 4]))
            .candidate("alpha/A1")?.isEligible == true)
        #expect(decide(policy: capped, context: DecisionContext(siteBookedToday: 10, carrierBookedToday: ["alpha": 5]))
            .candidate("alpha/A1")?.reasons == .capacity)

        let shared = Fixtures.policy(allocations: ["alpha": Allocation(carrier: "alpha", maxShare: 0.5)])
        // 19 booked at the site, 15 by alpha: shares are not enforced below 20.
        #expect(decide(policy: shared, context: DecisionContext(siteBookedToday: 19, carrierBookedToday: ["alpha": 15]))
            .candidate("alpha/A1")?.isEligible == true)
        // 20 booked, 10 by alpha: one more would make 11/21 > 0.5.
        #expect(decide(policy: shared, context: DecisionContext(siteBookedToday: 20, carrierBookedToday: ["alpha": 10]))
            .candidate("alpha/A1")?.reasons == .capacity)
        // 20 booked, 9 by alpha: 10/21 ≤ 0.5.
        #expect(decide(policy: shared, context: DecisionContext(siteBookedToday: 20, carrierBookedToday: ["alpha": 9]))
            .candidate("alpha/A1")?.isEligible == true)
    }

    @Test func healthWhenTheCircuitIsOpen() {
        let decision = decide(context: DecisionContext(openCircuits: ["alpha"]))
        #expect(decision.candidate("alpha/A1")?.reasons == .health)
        #expect(decision.chosen?.key.description == "beta/B1")
    }

    /// Promised Wednesday 25: alpha's p90 is Wed 25 (meets), beta's p90 is Thu 26 (late).
    @Test func promiseAtThePolicyConfidence() {
        let decision = decide(Fixtures.shipment(promisedBy: CivilDate("2026-11-25")))
        #expect(decision.candidate("alpha/A1")?.isEligible == true)
        #expect(decision.candidate("beta/B1")?.reasons == .promise)
        // At p99 alpha (Thu 26) is late too: the fastest one is chosen and marked late.
        let strict = decide(Fixtures.shipment(promisedBy: CivilDate("2026-11-25")), policy: Fixtures.policy(confidence: .p99))
        #expect(strict.candidate("alpha/A1")?.reasons == .promise)
        #expect(strict.chosen?.key.description == "alpha/A1")
        #expect(strict.late)
        #expect(!strict.held)
        #expect(strict.candidates.first?.key.description == "alpha/A1")
    }

    @Test func holdWhenThePromiseCannotBeMetAndThePolicySaysHold() {
        let decision = decide(
            Fixtures.shipment(promisedBy: CivilDate("2026-11-23")), policy: Fixtures.policy(whenUnmeetable: .hold))
        #expect(decision.held)
        #expect(decision.chosen == nil)
        #expect(!decision.late)
    }

    /// `fastest` only considers candidates that fail on the promise alone.
    @Test func fastestIgnoresCandidatesWithOtherReasons() {
        let policy = Fixtures.policy(constraints: PolicyConstraints(exclude: ["alpha"]))
        let decision = decide(Fixtures.shipment(promisedBy: CivilDate("2026-11-23")), policy: policy)
        #expect(decision.candidate("alpha/A1")?.reasons == [.excluded, .promise])
        #expect(decision.chosen?.key.description == "beta/B1")
        #expect(decision.late)
    }

    @Test func everyFailingReasonIsRecorded() {
        let policy = Fixtures.policy(constraints: PolicyConstraints(exclude: ["beta"], maxCO2eGrams: 1, fleet: ["cargo-bike"]))
        let shipment = Fixtures.shipment(
            parcels: [Parcel(weightKg: 40, lengthCm: 200, widthCm: 20, heightCm: 10)], mode: .relay,
            promisedBy: CivilDate("2026-11-23"))
        let decision = decide(
            shipment, policy: policy,
            context: DecisionContext(siteBookedToday: 0, carrierBookedToday: ["beta": 3], openCircuits: ["beta"]))
        let relay = decision.candidate("beta/B1")
        #expect(relay?.reasons.codes == [.excluded, .mode, .weight, .size, .rate, .fleet, .co2e, .health, .promise])
        #expect(decision.held)
    }

    /// Volumetric weight: 40×30×30 cm / 5000 = 7.2 kg > 2 kg actual, so the 30 kg band:
    /// 15.00 × 1.10 = 16.50.
    @Test func volumetricWeightWinsOverActualWeight() {
        let decision = decide(Fixtures.shipment(parcels: [Parcel(weightKg: 2, lengthCm: 40, widthCm: 30, heightCm: 30)]))
        #expect(decision.candidate("alpha/A1")?.price?.description == "16.50")
        // Emissions use the actual weight: 100 × 500 × 0.002 + 10 + 100 = 210 g.
        #expect(decision.candidate("alpha/A1")?.co2eGrams == 210)
    }

    /// Two parcels, priced and rounded one by one: 1 kg → 5.50 and 3 kg → 8.80; CO2e
    /// 160 + (100 × 500 × 0.003 + 110 = 260) = 420 g.
    @Test func multiParcelShipmentsSumPerParcel() {
        let parcels = [
            Parcel(weightKg: 1, lengthCm: 20, widthCm: 20, heightCm: 10), Parcel(weightKg: 3, lengthCm: 20, widthCm: 20, heightCm: 10),
        ]
        let decision = decide(Fixtures.shipment(parcels: parcels))
        #expect(decision.candidate("alpha/A1")?.price?.description == "14.30")
        #expect(decision.candidate("alpha/A1")?.co2eGrams == 420)
    }

    /// Lyon (45.75, 4.85) → Paris (48.853, 2.372): haversine ≈ 392.2 km, × 1.05 ≈ 411.8 km.
    @Test func coordinatesGiveGreatCircleDistances() throws {
        var site = Fixtures.lyon
        site.coordinate = Coordinate(lat: 45.75, lon: 4.85)
        let km = Coordinate(lat: 45.75, lon: 4.85).haversineKm(to: Coordinate(lat: 48.853, lon: 2.372))
        #expect(abs(km - 392.2) < 0.5)
        let decision = decide(Fixtures.shipment(site: site, coordinate: Coordinate(lat: 48.853, lon: 2.372)))
        let alpha = try #require(decision.candidate("alpha/A1")?.co2eGrams)
        #expect(abs(alpha - (100 * km * 1.05 * 0.001 + 110)) < 1e-9)
    }

    @Test func tiesGoToPriceThenCO2eThenKey() {
        func evaluation(_ key: String, cost: Int64, price: Int64, co2e: Double) -> CandidateEvaluation {
            let parts = key.split(separator: "/").map(String.init)
            return CandidateEvaluation(
                key: ServiceKey(carrier: parts[0], service: parts[1]), serviceName: key, reasons: [],
                price: Money(minorUnits: price), leadDays: 1, eta: nil, co2eGrams: co2e, dataQuality: 1, cost: Cost(units: cost))
        }
        let sorted = [
            evaluation("b/x", cost: 100, price: 50, co2e: 10), evaluation("a/x", cost: 100, price: 50, co2e: 10),
            evaluation("c/x", cost: 100, price: 50, co2e: 5), evaluation("d/x", cost: 100, price: 40, co2e: 99),
            evaluation("e/x", cost: 99, price: 90, co2e: 99),
        ].sorted(by: DecisionEngine.ranksBefore)
        #expect(sorted.map(\.key.description) == ["e/x", "d/x", "c/x", "a/x", "b/x"])
        // Byte order: upper case sorts before lower case, "-" before letters.
        #expect(ServiceKey(carrier: "Z", service: "1") < ServiceKey(carrier: "a", service: "1"))
        #expect(ServiceKey(carrier: "dpd-x", service: "A") < ServiceKey(carrier: "dpd", service: "A"))  // "-" < "/"
    }

    @Test func recordJSONHasTheShapeOfSPEC() throws {
        let decision = decide(Fixtures.shipment(promisedBy: CivilDate("2026-11-26")))
        let data = try JSONEncoder().encode(DecisionRecord(decision))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["policy"] as? [String: Any])?["sha256"] as? String == "0123")
        #expect((json["chosen"] as? [String: Any])?["carrier"] as? String == "alpha")
        #expect(json["late"] as? Bool == false)
        let candidates = try #require(json["candidates"] as? [[String: Any]])
        #expect(candidates[0]["price"] as? String == "5.50")
        #expect(candidates[0]["cost"] as? String == "6.1160")
        #expect(candidates[0]["rank"] as? Int == 1)
        #expect((candidates[0]["eta"] as? [String: Any])?["p90"] as? String == "2026-11-25")
        #expect(candidates[0]["co2e_g"] as? Double == 160)
        #expect(candidates[0]["currency"] as? String == "EUR")
        #expect(candidates[2]["reasons"] as? [String] == ["mode"])
        #expect(candidates[2]["eligible"] as? Bool == false)
    }
}
