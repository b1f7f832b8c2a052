import Dispatch
import Foundation
import RelaisCore
import RelaisOrders
import RelaisStore
import Synchronization

/// Replays recorded shipments through the decision engine under another policy: what it
/// would have done to real shipments, beside what was recorded (`relaisctl simulate`).
///
/// Each shipment is rebuilt from its orders as accepted and the site as relais.toml now
/// describes it, then decided under the new policy. Allocation limits are replayed in
/// creation order, day by day and site by site, counting the new policy's own choices, as
/// the daemon would have counted them. Carrier health is not replayed: the breakers' past
/// states are not recorded, so every carrier counts as healthy.
///
/// Costs are valued at the new policy's prices on both sides (with its rules for each
/// shipment), so the two totals are comparable: the recorded choice's price, lead days and
/// CO2e as decided, priced the way the new policy prices them.
public struct PolicySimulation: Sendable {
    public let engine: DecisionEngine
    public let sites: [String: Site]
    /// Threads deciding in parallel.
    public let workers: Int

    public init(engine: DecisionEngine, sites: [Site], workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.engine = engine
        self.sites = Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.workers = max(1, workers)
    }

    /// Replays every shipment of `period` from one snapshot of `history`.
    public func run(history: any RecordHistory, period: ReportPeriod) async throws -> SimulationReport {
        var tally = Tally(engine: engine)
        try await history.forEachShipment(createdFrom: period.startMilliseconds, until: period.endMilliseconds, batchSize: 4_096) { batch in
            let replays = replay(batch)
            for (index, replay) in replays.enumerated() { tally.add(replay, recorded: batch[index]) }
        }
        return SimulationReport(
            policy: .init(name: engine.policy.name, sha256: engine.policy.sha256), currency: engine.policy.currency,
            period: period.description, tally: tally)
    }

    /// One shipment decided under the new policy, before allocations are applied.
    enum Replay: Sendable {
        case decided(shipment: Shipment, decision: Decision, day: CivilDate, recordedCost: Cost?)
        case skipped(reason: String)
    }

    /// Decodes and decides a batch on `workers` threads; results in batch order.
    func replay(_ batch: [RecordedShipment]) -> [Replay] {
        let slices = min(workers, max(1, batch.count / 256))
        guard slices > 1 else { return batch.map(replay) }
        let results = Mutex<[[Replay]]>(Array(repeating: [], count: slices))
        let size = (batch.count + slices - 1) / slices
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (slice * size)..<min(batch.count, (slice + 1) * size)
            let decided = batch[range].map(replay)
            results.withLock { $0[slice] = decided }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    func replay(_ recorded: RecordedShipment) -> Replay {
        let orders: [Order]
        do {
            orders = try recorded.orderBodies.map { body in try OrderDecoder.recorded(body) }
        } catch {
            return .skipped(reason: "\(error)")
        }
        // Replayed over every origin its orders allow (SPEC §15), not only the one chosen then.
        let originIDs = orders.first?.origins ?? [recorded.site]
        let origins = originIDs.compactMap { sites[$0] }
        guard !orders.isEmpty, origins.count == originIDs.count else {
            let missing = originIDs.filter { sites[$0] == nil }.joined(separator: ", ")
            return .skipped(reason: "site '\(missing.isEmpty ? recorded.site : missing)' is not in relais.toml")
        }
        let shipment = Shipment(id: recorded.id, orders: orders, origins: origins)
        let site = shipment.site
        let decision = engine.decide(shipment)
        var recordedCost: Cost?
        if let choice = recorded.recorded, let price = choice.price, let leadDays = choice.leadDays, let co2e = choice.co2eGrams {
            let prices = engine.policy.effective(for: shipment).prices
            recordedCost = Cost(price: price, perDay: prices.perDay, leadDays: leadDays, perKgCO2e: prices.perKgCO2e, co2eGrams: co2e)
        }
        let day = LocalTime(instant: recorded.createdAt / 1000, in: site.timeZone).date
        return .decided(shipment: shipment, decision: decision, day: day, recordedCost: recordedCost)
    }

    /// The running totals, fed in creation order.
    struct Tally {
        let engine: DecisionEngine
        var replayed = 0
        var recorded = SimulationFigures()
        var simulated = SimulationFigures()
        var changes: [Move: Int] = [:]
        var skipped = 0
        var skippedExamples: [SimulationReport.Skipped] = []
        var otherCurrency = 0
        /// Replayed shipments by the policy their recorded decision was made under.
        var recordedPolicies: [SimulationReport.PolicyRef: Int] = [:]
        /// Shipments given to each carrier per site and day under the new policy.
        var usage: [SiteDay: (total: Int, perCarrier: [String: Int])] = [:]

        struct Move: Hashable { var from: String, to: String }
        struct SiteDay: Hashable { var site: String, day: CivilDate }

        init(engine: DecisionEngine) { self.engine = engine }

        mutating func add(_ replay: Replay, recorded row: RecordedShipment) {
            guard case .decided(let shipment, var decision, let day, let recordedCost) = replay else {
                if case .skipped(let reason) = replay {
                    skipped += 1
                    if skippedExamples.count < 20 { skippedExamples.append(.init(shipment: row.id, reason: reason)) }
                }
                return
            }
            if let currency = row.currency, currency != engine.policy.currency, row.recorded != nil {
                otherCurrency += 1
            }
            // Allocations count at the site the shipment leaves from.
            var siteDay = SiteDay(site: decision.chosen?.origin ?? shipment.site.id, day: day)
            if let carrier = decision.chosen?.key.carrier, let allocation = engine.policy.allocations[carrier] {
                let counts = usage[siteDay] ?? (0, [:])
                if allocation.isExhausted(carrierBookedToday: counts.perCarrier[carrier] ?? 0, siteBookedToday: counts.total) {
                    // Only a chosen carrier at its limit changes the outcome: capacity only
                    // removes candidates, so any other choice stands as decided.
                    var bySite: [String: SiteBookings] = [:]
                    for origin in shipment.origins {
                        let counts = usage[SiteDay(site: origin.id, day: day)] ?? (0, [:])
                        bySite[origin.id] = SiteBookings(total: counts.total, perCarrier: counts.perCarrier)
                    }
                    decision = engine.decide(shipment, context: DecisionContext(bookedTodayBySite: bySite))
                    siteDay.site = decision.chosen?.origin ?? shipment.site.id
                }
            }
            replayed += 1
            if let name = row.policyName, let sha256 = row.policySHA256 {
                recordedPolicies[SimulationReport.PolicyRef(name: name, sha256: sha256), default: 0] += 1
            }
            if let chosen = decision.chosen, let price = chosen.price, let cost = chosen.cost, let lead = chosen.leadDays,
                let co2e = chosen.co2eGrams
            {
                simulated.addCarried(price: price, cost: cost, leadDays: lead, co2eGrams: co2e, late: decision.late)
                usage[siteDay, default: (0, [:])].total += 1
                usage[siteDay, default: (0, [:])].perCarrier[chosen.key.carrier, default: 0] += 1
            } else {
                simulated.held += 1
            }
            if let choice = row.recorded, let price = choice.price, let cost = recordedCost, let lead = choice.leadDays,
                let co2e = choice.co2eGrams
            {
                recorded.addCarried(price: price, cost: cost, leadDays: lead, co2eGrams: co2e, late: choice.late)
            } else {
                recorded.held += 1
            }
            let from = row.recorded?.key.description ?? "held"
            let to = decision.chosen?.key.description ?? "held"
            if from != to { changes[Move(from: from, to: to), default: 0] += 1 }
        }
    }
}
