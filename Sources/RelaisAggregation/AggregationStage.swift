import Foundation
import Metrics
import RelaisCore
import RelaisOrders
import RelaisStore

/// Turns accepted orders into shipments when their consolidation window closes, decides
/// each under the active policy, and records shipment and decision together (SPEC §4, §7).
///
/// Shipments with a chosen service are `queued` for booking; those nothing may carry are
/// `held` with every candidate's reasons.
public struct AggregationStage: Sendable {
    public let store: any DaemonStore
    public let engine: DecisionEngine
    public let sites: [String: Site]
    public let windowSeconds: Int64
    /// Orders read per pass.
    public let batchSize: Int

    public init(store: any DaemonStore, engine: DecisionEngine, sites: [Site], windowSeconds: Int64, batchSize: Int = 5_000) {
        self.store = store
        self.engine = engine
        self.sites = Dictionary(uniqueKeysWithValues: sites.map { ($0.id, $0) })
        self.windowSeconds = windowSeconds
        self.batchSize = batchSize
    }

    /// What one pass did.
    public struct Report: Sendable {
        /// Ids of the shipments created.
        public var created: [String] = []
        /// Orders left pending, with the reason (a site no longer in relais.toml).
        public var stuck: [(orderID: String, reason: String)] = []
    }

    /// One pass: the shipments whose window has closed at `now` (milliseconds).
    /// - Parameter openCircuits: carriers whose breaker is open (the `health` reason).
    public func runOnce(now: Int64, openCircuits: Set<String> = []) async throws -> Report {
        var report = Report()
        let pending = try await store.pendingOrders(limit: batchSize)
        guard !pending.isEmpty else { return report }
        let bodies = Dictionary(uniqueKeysWithValues: pending.map { ($0.pending.orderID, ($0.site, $0.body)) })
        let groups = Consolidation.dueGroups(pending.map(\.pending), windowSeconds: windowSeconds, now: now / 1000)
        guard !groups.isEmpty else { return report }

        // Decision latency, as `relais_decision_seconds` (a histogram in /metrics).
        let decisionTimer = Timer(label: "relais_decision_seconds", preferredDisplayUnit: .seconds)
        let clock = ContinuousClock()
        var usage: [String: (total: Int, perCarrier: [String: Int])] = [:]
        var shipments: [NewShipment] = []
        for group in groups {
            let orders = try group.map { pending -> Order in
                let (_, body) = bodies[pending.orderID]!
                return try OrderDecoder.recorded(body)
            }
            guard let site = sites[orders[0].site] else {
                // Kept pending, not lost: it ships once the site is back in relais.toml.
                for order in orders { report.stuck.append((order.id, "site '\(order.site)' is not in relais.toml")) }
                continue
            }
            if usage[site.id] == nil {
                let day = LocalDay.containing(Instant(millisecondsSinceEpoch: now), in: site.timeZone)
                usage[site.id] = try await store.allocationCounts(site: site.id, from: day.start, until: day.end)
            }
            let counts = usage[site.id]!
            let context = DecisionContext(siteBookedToday: counts.total, carrierBookedToday: counts.perCarrier, openCircuits: openCircuits)
            let started = clock.now
            let shipment = Shipment(id: "", orders: orders, site: site)
            let decision = engine.decide(shipment, context: context)
            decisionTimer.record(duration: started.duration(to: clock.now))
            if let carrier = decision.chosen?.key.carrier {
                usage[site.id]!.total += 1
                usage[site.id]!.perCarrier[carrier, default: 0] += 1
            }
            shipments.append(
                NewShipment(orderIDs: group.map(\.orderID), site: site.id, consolidationKey: group[0].key, decision: decision,
                    parcels: shipment.parcels.count, weightKg: shipment.totalWeightKg))
        }
        if !shipments.isEmpty { report.created = try await store.createShipments(shipments, policy: engine.policy, now: now) }
        return report
    }
}
