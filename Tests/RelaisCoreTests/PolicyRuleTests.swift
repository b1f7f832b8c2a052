import Testing
@testable import RelaisCore

/// Rule matching and merging (SPEC §6): every matching rule applies in file order;
/// prices and promise override, `exclude` is a union, `fleet` replaces, `max_co2e_g`
/// takes the minimum.
@Suite struct PolicyRuleTests {
    let base = Fixtures.policy(
        constraints: PolicyConstraints(exclude: ["alpha"], maxCO2eGrams: 2000, fleet: ["van-diesel"]))

    func policy(_ rules: [PolicyRule]) -> Policy {
        var policy = base
        policy.rules = rules
        return policy
    }

    @Test func rulesMergeInFileOrder() {
        let rules = [
            PolicyRule(
                name: "express", when: RuleCondition(serviceLevels: [.express]), perDay: PriceRate(5), confidence: .p99,
                exclude: ["beta/R1"], fleet: ["van-electric"], maxCO2eGrams: 800),
            PolicyRule(
                name: "paris", when: RuleCondition(destinations: [ZonePattern("FR-75*")!]), perDay: PriceRate(7),
                fleet: ["cargo-bike"], maxCO2eGrams: 1500),
            PolicyRule(name: "heavy", when: RuleCondition(weightKg: ClosedBounds(min: 20)), perKgCO2e: PriceRate(9)),
        ]
        let effective = policy(rules).effective(for: Fixtures.shipment(postcode: "75011", level: .express))
        #expect(effective.rulesApplied == ["express", "paris"])
        #expect(effective.prices.perDay == PriceRate(7))  // the later rule overrides
        #expect(effective.prices.perKgCO2e == PriceRate(0.10))  // "heavy" did not match
        #expect(effective.promise.confidence == .p99)
        #expect(effective.constraints.exclude == ["alpha", "beta/R1"])  // union
        #expect(effective.constraints.fleet == ["cargo-bike"])  // replaced, by the last rule
        #expect(effective.constraints.maxCO2eGrams == 800)  // minimum of 2000, 800, 1500
    }

    @Test func aRuleCannotRaiseTheCO2eLimit() {
        let rules = [PolicyRule(name: "loose", when: RuleCondition(), maxCO2eGrams: 5000)]
        #expect(policy(rules).effective(for: Fixtures.shipment()).constraints.maxCO2eGrams == 2000)
    }

    @Test func conditions() {
        let express = Fixtures.shipment(level: .express)
        let value = OrderValue(amount: Money(decimal: "100.00")!, currency: "EUR")
        #expect(RuleCondition(serviceLevels: [.express, .standard]).matches(express, currency: "EUR"))
        #expect(!RuleCondition(serviceLevels: [.eco]).matches(express, currency: "EUR"))
        #expect(RuleCondition(deliveryModes: [.home]).matches(express, currency: "EUR"))
        #expect(RuleCondition(sites: ["lyon"]).matches(express, currency: "EUR"))
        #expect(!RuleCondition(sites: ["paris"]).matches(express, currency: "EUR"))
        #expect(RuleCondition(tags: ["fragile", "xl"]).matches(Fixtures.shipment(tags: ["xl"]), currency: "EUR"))
        #expect(!RuleCondition(tags: ["fragile"]).matches(Fixtures.shipment(tags: []), currency: "EUR"))
        // Bounds are inclusive.
        #expect(RuleCondition(weightKg: ClosedBounds(min: 1, max: 1)).matches(express, currency: "EUR"))
        #expect(!RuleCondition(weightKg: ClosedBounds(min: 1.5)).matches(express, currency: "EUR"))
        let money = RuleCondition(value: ClosedBounds(min: Money(decimal: "100")!))
        #expect(money.matches(Fixtures.shipment(value: value), currency: "EUR"))
        #expect(!money.matches(Fixtures.shipment(value: value), currency: "GBP"))  // another currency never matches
        #expect(!money.matches(Fixtures.shipment(value: nil), currency: "EUR"))
        // Every key present must match.
        #expect(!RuleCondition(serviceLevels: [.express], sites: ["paris"]).matches(express, currency: "EUR"))
    }

    @Test func rulesChangeTheDecision() {
        // An express rule pricing a day at 5 €: alpha 5.50 + 5 + 0.016 = 10.516, beta 6 + 10 + 0.0045.
        let rule = PolicyRule(name: "express orders", when: RuleCondition(serviceLevels: [.express]), perDay: PriceRate(5))
        var policy = Fixtures.policy()
        policy.rules = [rule]
        let decision = DecisionEngine(panel: Fixtures.panel, policy: policy).decide(Fixtures.shipment(level: .express))
        #expect(decision.rulesApplied == ["express orders"])
        #expect(decision.candidate("alpha/A1")?.cost?.description == "10.5160")
    }
}
