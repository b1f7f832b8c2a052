import RelaisCore

/// `relaisctl simulate --json`: money as decimal strings (price to the cent, cost to four
/// places), like the decision record; the rest as numbers.
extension SimulationReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case policy, recordedPolicies = "recorded_policies", currency, period, shipments, changed, recorded, simulated, delta, changes, skipped
        case skippedExamples = "skipped_examples", otherCurrency = "other_currency"
    }

    enum FigureKeys: String, CodingKey {
        case carried, held, late, shareLate = "share_late", priceTotal = "price_total", priceMean = "price_mean"
        case costTotal = "cost_total", costMean = "cost_mean", leadDaysMean = "lead_days_mean"
        case co2eKgTotal = "co2e_kg_total", co2eGMean = "co2e_g_mean"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(policy, forKey: .policy)
        try c.encode(recordedPolicies, forKey: .recordedPolicies)
        try c.encode(currency, forKey: .currency)
        try c.encode(period, forKey: .period)
        try c.encode(shipments, forKey: .shipments)
        try c.encode(changed, forKey: .changed)
        try Self.encode(recorded, into: c.nestedContainer(keyedBy: FigureKeys.self, forKey: .recorded))
        try Self.encode(simulated, into: c.nestedContainer(keyedBy: FigureKeys.self, forKey: .simulated))
        var delta = c.nestedContainer(keyedBy: FigureKeys.self, forKey: .delta)
        let (a, b) = (recorded, simulated)
        /// The difference when both sides have the figure (a side that carried nothing has no mean).
        func difference<T>(_ x: T?, _ y: T?, _ subtract: (T, T) -> Double) -> Double? {
            guard let x, let y else { return nil }
            return subtract(y, x)
        }
        func money(_ x: Int64?, _ y: Int64?, scale: Int) -> String? {
            guard let x, let y else { return nil }
            return FixedPoint.format(y - x, scale: scale)
        }
        try delta.encode(b.carried - a.carried, forKey: .carried)
        try delta.encode(b.held - a.held, forKey: .held)
        try delta.encode(b.late - a.late, forKey: .late)
        try delta.encode(difference(a.shareLate, b.shareLate, -).map { Self.rounded($0, 4) }, forKey: .shareLate)
        try delta.encode(money(a.price.minorUnits, b.price.minorUnits, scale: 2), forKey: .priceTotal)
        try delta.encode(money(a.meanPrice?.minorUnits, b.meanPrice?.minorUnits, scale: 2), forKey: .priceMean)
        try delta.encode(money(a.cost.units, b.cost.units, scale: 4), forKey: .costTotal)
        try delta.encode(money(a.meanCost?.units, b.meanCost?.units, scale: 4), forKey: .costMean)
        try delta.encode(difference(a.meanLeadDays, b.meanLeadDays, -).map { Self.rounded($0, 2) }, forKey: .leadDaysMean)
        try delta.encode(Self.rounded((b.co2eGrams - a.co2eGrams) / 1000, 3), forKey: .co2eKgTotal)
        try delta.encode(difference(a.meanCO2eGrams, b.meanCO2eGrams, -).map { Self.rounded($0, 1) }, forKey: .co2eGMean)
        try c.encode(changes, forKey: .changes)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(skippedExamples, forKey: .skippedExamples)
        try c.encode(otherCurrency, forKey: .otherCurrency)
    }

    static func encode(_ figures: SimulationFigures, into container: KeyedEncodingContainer<FigureKeys>) throws {
        var c = container
        try c.encode(figures.carried, forKey: .carried)
        try c.encode(figures.held, forKey: .held)
        try c.encode(figures.late, forKey: .late)
        try c.encode(figures.shareLate.map { rounded($0, 4) }, forKey: .shareLate)
        try c.encode(figures.price.description, forKey: .priceTotal)
        try c.encode(figures.meanPrice?.description, forKey: .priceMean)
        try c.encode(figures.cost.description, forKey: .costTotal)
        try c.encode(figures.meanCost?.description, forKey: .costMean)
        try c.encode(figures.meanLeadDays.map { rounded($0, 2) }, forKey: .leadDaysMean)
        try c.encode(rounded(figures.co2eGrams / 1000, 3), forKey: .co2eKgTotal)
        try c.encode(figures.meanCO2eGrams.map { rounded($0, 1) }, forKey: .co2eGMean)
    }

    static func rounded(_ value: Double, _ places: Int) -> Double {
        let scale = Double(FixedPoint.unit(places))
        return (value * scale).rounded() / scale
    }
}
