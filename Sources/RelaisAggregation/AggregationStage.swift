import Foundation
import Metrics
import RelaisCore
import RelaisOrders
import RelaisStore

/// Turns accepted orders into shipments when their consolidation window closes, decides
/// each under the active policy, and records shipment and decision together (SPEC §4, §7).
///
/// Shipments with a chosen service are `queued` for booking at the origin the decision
/// chose (SPEC §15); those nothing may carry are `held` with every candidate's reasons.
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
        var usage: [String: SiteBookings] = [:]
        var shipments: [NewShipment] = []
        for group in groups {
            let orders = try group.map { pending -> Order in
                let (_, body) = bodies[pending.orderID]!
                return try OrderDecoder.recorded(body)
            }
            let originIDs = orders[0].origins
            let origins = originIDs.compactMap { sites[$0] }
            guard origins.count == originIDs.count else {
                // Kept pending, not lost: it ships once the site is back in relais.toml.
                let missing = originIDs.filter { sites[$0] == nil }.joined(separator: ", ")
                for order in orders { report.stuck.append((order.id, "site '\(missing)' is not in relais.toml")) }
                continue
            }
            // Allocations count at the site a shipment leaves from: each origin's own day.
            var bookedToday: [String: SiteBookings] = [:]
            for site in origins {
                if usage[site.id] == nil {
                    let day = LocalDay.containing(Instant(millisecondsSinceEpoch: now), in: site.timeZone)
                    let counts = try await store.allocationCounts(site: site.id, from: day.start, until: day.end)
                    usage[site.id] = SiteBookings(total: counts.total, perCarrier: counts.perCarrier)
                }
                bookedToday[site.id] = usage[site.id]!
            }
            let context = DecisionContext(bookedTodayBySite: bookedToday, openCircuits: openCircuits)
            let started = clock.now
            let shipment = Shipment(id: "", orders: orders, origins: origins)
            let decision = engine.decide(shipment, context: context)
            decisionTimer.record(duration: started.duration(to: clock.now))
            let leavesFrom = decision.chosen?.origin ?? shipment.site.id
            if let carrier = decision.chosen?.key.carrier { usage[leavesFrom]?.add(carrier: carrier) }
            shipments.append(
                NewShipment(orderIDs: group.map(\.orderID), site: leavesFrom, consolidationKey: group[0].key, decision: decision,
                    parcels: shipment.parcels.count, weightKg: shipment.totalWeightKg))
        }
        if !shipments.isEmpty { report.created = try await store.createShipments(shipments, policy: engine.policy, now: now) }
        return report
    }
}
