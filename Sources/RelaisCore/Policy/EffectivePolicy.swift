/// The policy as it applies to one shipment: the base settings with every matching rule
/// merged in file order (SPEC §6).
public struct EffectivePolicy: Hashable, Sendable {
    public var prices: PolicyPrices
    public var promise: PromisePolicy
    public var constraints: PolicyConstraints
    /// Names of the rules that matched, in file order.
    public var rulesApplied: [String]

    public init(prices: PolicyPrices, promise: PromisePolicy, constraints: PolicyConstraints, rulesApplied: [String]) {
        self.prices = prices
        self.promise = promise
        self.constraints = constraints
        self.rulesApplied = rulesApplied
    }
}

extension Policy {
    /// Merges every matching rule: `prices` and `promise` keys override, `exclude` is a
    /// union, `fleet` replaces, `max_co2e_g` takes the minimum.
    public func effective(for shipment: Shipment) -> EffectivePolicy {
        var result = EffectivePolicy(prices: prices, promise: promise, constraints: constraints, rulesApplied: [])
        for rule in rules where rule.when.matches(shipment, currency: currency) {
            result.rulesApplied.append(rule.name)
            if let perDay = rule.perDay { result.prices.perDay = perDay }
            if let perKg = rule.perKgCO2e { result.prices.perKgCO2e = perKg }
            if let confidence = rule.confidence { result.promise.confidence = confidence }
            if let whenUnmeetable = rule.whenUnmeetable { result.promise.whenUnmeetable = whenUnmeetable }
            result.constraints.exclude.formUnion(rule.exclude)
            if let fleet = rule.fleet { result.constraints.fleet = fleet }
            if let limit = rule.maxCO2eGrams {
                result.constraints.maxCO2eGrams = min(result.constraints.maxCO2eGrams ?? limit, limit)
            }
        }
        return result
    }
}
