import RelaisCore

/// What `relaisctl simulate` prints: the recorded and the simulated figures side by side,
/// their deltas, and the shipments that change service. Its JSON form is `--json`.
public struct SimulationReport: Sendable {
    public struct PolicyRef: Hashable, Codable, Sendable {
        public var name: String
        public var sha256: String
    }

    /// Shipments moving from one service to another (`held` when nothing carries them).
    public struct Change: Hashable, Codable, Sendable {
        public var from: String
        public var to: String
        public var shipments: Int
    }

    /// A shipment that could not be replayed, and why.
    public struct Skipped: Hashable, Codable, Sendable {
        public var shipment: String
        public var reason: String
    }

    public var policy: PolicyRef
    public var currency: String
    public var period: String
    /// Shipments replayed (recorded in the period, minus the skipped).
    public var shipments: Int
    public var recorded: SimulationFigures
    public var simulated: SimulationFigures
    /// Largest first, then by `from`, `to`.
    public var changes: [Change]
    public var skipped: Int
    /// The first 20 skipped shipments.
    public var skippedExamples: [Skipped]
    /// Recorded prices in another currency than the policy's: added as if in the policy's.
    public var otherCurrency: Int

    /// Shipments whose service (or held) differs.
    public var changed: Int { changes.reduce(0) { $0 + $1.shipments } }

    init(policy: PolicyRef, currency: String, period: String, tally: PolicySimulation.Tally) {
        self.policy = policy
        self.currency = currency
        self.period = period
        shipments = tally.replayed
        recorded = tally.recorded
        simulated = tally.simulated
        changes = tally.changes.map { Change(from: $0.key.from, to: $0.key.to, shipments: $0.value) }
            .sorted { ($1.shipments, $0.from, $0.to) < ($0.shipments, $1.from, $1.to) }
        skipped = tally.skipped
        skippedExamples = tally.skippedExamples
        otherCurrency = tally.otherCurrency
    }

    /// One compared figure: its name, both values and the delta, as text for tables and CSV.
    public struct Row: Hashable, Sendable {
        public var metric: String
        public var recorded: String
        public var simulated: String
        public var delta: String
    }

    /// The compared figures in print order.
    public var rows: [Row] {
        func count(_ name: String, _ key: KeyPath<SimulationFigures, Int>) -> Row {
            let a = recorded[keyPath: key], b = simulated[keyPath: key]
            return Row(metric: name, recorded: "\(a)", simulated: "\(b)", delta: Self.signed(b - a))
        }
        func money(_ name: String, _ a: Money?, _ b: Money?) -> Row {
            Row(
                metric: name, recorded: a?.description ?? "", simulated: b?.description ?? "",
                delta: a.flatMap { a in b.map { Self.signedFixed($0.minorUnits - a.minorUnits, scale: 2) } } ?? "")
        }
        func cost(_ name: String, _ a: Cost?, _ b: Cost?) -> Row {
            Row(
                metric: name, recorded: a?.description ?? "", simulated: b?.description ?? "",
                delta: a.flatMap { a in b.map { Self.signedFixed($0.units - a.units, scale: 4) } } ?? "")
        }
        func real(_ name: String, _ a: Double?, _ b: Double?, places: Int) -> Row {
            Row(
                metric: name, recorded: a.map { Self.fixed($0, places) } ?? "", simulated: b.map { Self.fixed($0, places) } ?? "",
                delta: a.flatMap { a in b.map { Self.signedReal($0 - a, places) } } ?? "")
        }
        return [
            count("carried", \.carried),
            count("held", \.held),
            count("late", \.late),
            real("share late", recorded.shareLate, simulated.shareLate, places: 4),
            money("total price", recorded.price, simulated.price),
            money("mean price", recorded.meanPrice, simulated.meanPrice),
            cost("total cost", recorded.cost, simulated.cost),
            cost("mean cost", recorded.meanCost, simulated.meanCost),
            real("mean lead days", recorded.meanLeadDays, simulated.meanLeadDays, places: 2),
            real("total CO2e kg", recorded.co2eGrams / 1000, simulated.co2eGrams / 1000, places: 3),
            real("mean CO2e g", recorded.meanCO2eGrams, simulated.meanCO2eGrams, places: 1),
        ]
    }

    static func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : "\(value)" }

    static func signedFixed(_ units: Int64, scale: Int) -> String {
        (units > 0 ? "+" : "") + FixedPoint.format(units, scale: scale)
    }

    static func fixed(_ value: Double, _ places: Int) -> String {
        let units = Int64((value * Double(FixedPoint.unit(places))).rounded())
        return FixedPoint.format(units, scale: places)
    }

    static func signedReal(_ value: Double, _ places: Int) -> String {
        let text = fixed(value, places)
        return text.hasPrefix("-") || Double(text) == 0 ? text : "+" + text
    }
}
