import RelaisCore

/// `relaisctl simulate --json`: money as decimal strings (price to the cent, cost to four
/// places), like the decision record; the rest as numbers.
extension SimulationReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case policy, currency, period, shipments, changed, recorded, simulated, delta, changes, skipped
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
        try c.encode(currency, forKey: .currency)
        try c.encode(period, forKey: .period)
        try c.encode(shipments, forKey: .shipments)
        try c.encode(changed, forKey: .changed)
        try Self.encode(recorded, into: c.nestedContainer(keyedBy: FigureKeys.self, forKey: .recorded))
        try Self.encode(simulated, into: c.nestedContainer(keyedBy: FigureKeys.self, forKey: .simulated))
        var delta = c.nestedContainer(keyedBy: FigureKeys.self, forKey: .delta)
        let rows = Dictionary(uniqueKeysWithValues: rows.map { ($0.metric, $0.delta) })
        try delta.encode(simulated.carried - recorded.carried, forKey: .carried)
        try delta.encode(simulated.held - recorded.held, forKey: .held)
        try delta.encode(simulated.late - recorded.late, forKey: .late)
        try delta.encode(rows["share late"].flatMap { Double($0) }, forKey: .shareLate)
        try delta.encode(rows["total price"].map(Self.unsigned), forKey: .priceTotal)
        try delta.encode(rows["mean price"].map(Self.unsigned), forKey: .priceMean)
        try delta.encode(rows["total cost"].map(Self.unsigned), forKey: .costTotal)
        try delta.encode(rows["mean cost"].map(Self.unsigned), forKey: .costMean)
        try delta.encode(rows["mean lead days"].flatMap { Double($0) }, forKey: .leadDaysMean)
        try delta.encode(rows["total CO2e kg"].flatMap { Double($0) }, forKey: .co2eKgTotal)
        try delta.encode(rows["mean CO2e g"].flatMap { Double($0) }, forKey: .co2eGMean)
        try c.encode(changes, forKey: .changes)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(skippedExamples, forKey: .skippedExamples)
        try c.encode(otherCurrency, forKey: .otherCurrency)
    }

    /// Decimal strings in JSON carry no `+`; an empty delta (a side carried nothing) is null.
    static func unsigned(_ text: String) -> String? {
        text.isEmpty ? nil : text.hasPrefix("+") ? String(text.dropFirst()) : text
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
