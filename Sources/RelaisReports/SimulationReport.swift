import RelaisCore

/// What `relaisctl simulate` prints: the recorded and the simulated figures side by side,
/// their deltas, and the shipments that change service. Its JSON form is `--json`.
public struct SimulationReport: Sendable {
    public struct PolicyRef: Hashable, Codable, Sendable {
        public var name: String
        public var sha256: String
    }

    /// A policy the recorded decisions were made under, and how many of the replayed
    /// shipments it decided.
    public struct RecordedPolicy: Hashable, Codable, Sendable {
        public var name: String
        public var sha256: String
        public var shipments: Int
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

    /// The policy tried.
    public var policy: PolicyRef
    /// The policies the recorded side was decided under, most shipments first.
    public var recordedPolicies: [RecordedPolicy]
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
        recordedPolicies = tally.recordedPolicies.map { RecordedPolicy(name: $0.key.name, sha256: $0.key.sha256, shipments: $0.value) }
            .sorted { ($1.shipments, $0.name, $0.sha256) < ($0.shipments, $1.name, $1.sha256) }
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

    /// The compared figures in print order, in `style` (neutral for text and CSV).
    public func rows(style: NumberStyle = .neutral) -> [Row] {
        func count(_ name: String, _ key: KeyPath<SimulationFigures, Int>) -> Row {
            let a = recorded[keyPath: key], b = simulated[keyPath: key]
            return Row(metric: name, recorded: style.integer(a), simulated: style.integer(b), delta: style.signedInteger(b - a))
        }
        func units(_ name: String, _ a: Int64?, _ b: Int64?, scale: Int) -> Row {
            Row(
                metric: name, recorded: a.map { style.units($0, scale: scale) } ?? "",
                simulated: b.map { style.units($0, scale: scale) } ?? "",
                delta: a.flatMap { a in b.map { style.signedUnits($0 - a, scale: scale) } } ?? "")
        }
        func real(_ name: String, _ a: Double?, _ b: Double?, places: Int) -> Row {
            Row(
                metric: name, recorded: a.map { style.fixed($0, places) } ?? "", simulated: b.map { style.fixed($0, places) } ?? "",
                delta: a.flatMap { a in b.map { style.signedFixed($0 - a, places) } } ?? "")
        }
        return [
            count("carried", \.carried),
            count("held", \.held),
            count("late", \.late),
            real("share late", recorded.shareLate, simulated.shareLate, places: 4),
            units("total price", recorded.price.minorUnits, simulated.price.minorUnits, scale: 2),
            units("mean price", recorded.meanPrice?.minorUnits, simulated.meanPrice?.minorUnits, scale: 2),
            units("total cost", recorded.cost.units, simulated.cost.units, scale: 4),
            units("mean cost", recorded.meanCost?.units, simulated.meanCost?.units, scale: 4),
            real("mean lead days", recorded.meanLeadDays, simulated.meanLeadDays, places: 2),
            real("total CO2e kg", recorded.co2eGrams / 1000, simulated.co2eGrams / 1000, places: 3),
            real("mean CO2e g", recorded.meanCO2eGrams, simulated.meanCO2eGrams, places: 1),
        ]
    }
}
