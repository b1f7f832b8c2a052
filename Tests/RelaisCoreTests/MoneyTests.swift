import Testing
@testable import RelaisCore

@Suite struct MoneyTests {
    @Test(arguments: [("59.90", 5990), ("12", 1200), ("0.5", 50), ("0.05", 5), ("-1.20", -120)])
    func parsesDecimals(text: String, cents: Int64) {
        #expect(Money(decimal: text)?.minorUnits == cents)
    }

    @Test(arguments: ["1.234", "1,20", "1e3", "", ".", "--1", "1.2.3", "EUR 5"])
    func refusesAmountsItCannotReadExactly(text: String) {
        #expect(Money(decimal: text) == nil)
    }

    /// rate × (1 + fuel%/100), half-up to the cent: a half cent goes up.
    @Test(arguments: [
        ("0.05", 10.0, "0.06"),  // 0.055 → 0.06
        ("1.00", 12.5, "1.13"),  // 1.125 → 1.13
        ("7.10", 14.0, "8.09"),  // 8.094 → 8.09
        ("8.90", 16.5, "10.37"),  // 10.3685 → 10.37
        ("5.00", 0.0, "5.00"),
        ("0.10", 5.0, "0.11"),  // 0.105 → 0.11
    ])
    func fuelSurchargeRoundsHalfUpPerParcel(rate: String, fuel: Double, expected: String) {
        let service = Fixtures.service(
            "X", zones: ZoneMap([("FR", [ZonePattern("FR")!])]), rates: [[nil], [nil], [nil]], fuelPct: fuel,
            transit: [TransitTimes(p50: 1)], defaultKm: [1])
        #expect(service.priceWithSurcharge(Money(decimal: rate)!).description == expected)
    }

    /// cost = 5.50 + 0.60 × 1 + 0.10 × 160 / 1000 = 6.116 → "6.1160".
    @Test func costIsRoundedOnceToFourPlaces() {
        let cost = Cost(price: Money(decimal: "5.50")!, perDay: PriceRate(0.60), leadDays: 1, perKgCO2e: PriceRate(0.10), co2eGrams: 160)
        #expect(cost.description == "6.1160")
        // 9.32 + 0.60 + 0.10 × 84.2 / 1000 = 9.92842 → "9.9284" (SPEC §7.5's example).
        let spec = Cost(price: Money(decimal: "9.32")!, perDay: PriceRate(0.60), leadDays: 1, perKgCO2e: PriceRate(0.10), co2eGrams: 84.2)
        #expect(spec.description == "9.9284")
        // 0.00005 rounds up to the fourth place.
        let half = Cost(price: .zero, perDay: .zero, leadDays: 0, perKgCO2e: PriceRate(0.001), co2eGrams: 50)
        #expect(half.description == "0.0001")
    }
}
