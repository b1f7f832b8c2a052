import Foundation
import GRDB
import Testing
@testable import RelaisCore
@testable import RelaisRecords
import RelaisStore

/// Decisions over several origins in SQLite (SPEC §15): the origin of every candidate and
/// of the choice, the requested service, and failover that stays at the chosen origin.
@Suite struct OriginRecordsTests {
    static func candidate(_ key: String, origin: String, rank: Int?, reasons: ReasonSet = [], cents: Int64) -> CandidateEvaluation {
        CandidateEvaluation(
            key: ServiceKey(parsing: key)!, origin: origin, serviceName: key, reasons: reasons, rank: rank,
            price: Money(minorUnits: cents), leadDays: 1, eta: nil, co2eGrams: 100, dataQuality: 2, cost: Cost(units: cents * 100))
    }

    /// dpd/PREDICT from both sites; the store's is chosen; colissimo/DOM is eligible from
    /// the warehouse only. The customer asked for chronopost/13, which missed its promise.
    static var decision: Decision {
        Decision(
            shipmentID: "", policyName: "default", policySHA256: "abc", currency: "EUR", rulesApplied: [],
            candidates: [
                candidate("dpd/PREDICT", origin: "lille-store", rank: 1, cents: 700),
                candidate("dpd/PREDICT", origin: "lyon-dc", rank: 2, cents: 700),
                candidate("colissimo/DOM", origin: "lyon-dc", rank: 3, cents: 800),
                candidate("chronopost/13", origin: "lille-store", rank: nil, reasons: .promise, cents: 900),
            ],
            chosenIndex: 0, late: false, held: false, distanceBasis: .greatCircle,
            requested: RequestedServiceOutcome(
                key: ServiceKey(carrier: "chronopost", service: "13"), honoured: false, reasons: .promise, origin: "lille-store"))
    }

    @Test func theDecisionKeepsEveryOriginAndTheRequest() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        _ = try await store.accept([Orders.incoming(Orders.json(id: "A-1"))], source: "test", now: 1)
        let policy = Policy(name: "default", currency: "EUR", sha256: "abc", prices: PolicyPrices(perDay: PriceRate(0.6), perKgCO2e: PriceRate(0.1)), promise: PromisePolicy(), constraints: PolicyConstraints())
        let ids = try await store.createShipments(
            [NewShipment(orderIDs: ["A-1"], site: "lille-store", consolidationKey: "k", decision: Self.decision, parcels: 1, weightKg: 1)],
            policy: policy, now: 2)
        let read = try #require(try await store.decision(shipment: ids[0]))
        #expect(read.chosen?.origin == "lille-store")
        #expect(read.candidates.map(\.origin) == ["lille-store", "lyon-dc", "lyon-dc", "lille-store"])
        #expect(read.requested == Self.decision.requested)

        // Failover candidates: the chosen origin's only, where the parcels are prepared (the
        // store's dpd/PREDICT and, after it, what only misses the promise there).
        let claimed = try await store.claim(limits: [:], othersLimit: 10, now: 3)
        let jobs = try await store.bookingJobs(for: claimed)
        #expect(jobs.first?.site == "lille-store")
        #expect(jobs.first?.candidates.map(\.key.description) == ["dpd/PREDICT", "chronopost/13"])
    }

    /// A decision recorded before origins existed reads back with no origin, its choice
    /// found by carrier and service as before.
    @Test func aDecisionFromBeforeOriginsStillReads() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        _ = try await store.accept([Orders.incoming(Orders.json(id: "A-1"))], source: "test", now: 1)
        var decision = Self.decision
        decision.requested = nil
        for index in decision.candidates.indices { decision.candidates[index].origin = nil }
        decision.candidates.remove(at: 1)
        let policy = Policy(name: "default", currency: "EUR", sha256: "abc", prices: PolicyPrices(perDay: PriceRate(0.6), perKgCO2e: PriceRate(0.1)), promise: PromisePolicy(), constraints: PolicyConstraints())
        let ids = try await store.createShipments(
            [NewShipment(orderIDs: ["A-1"], site: "lyon-dc", consolidationKey: "k", decision: decision, parcels: 1, weightKg: 1)],
            policy: policy, now: 2)
        let read = try #require(try await store.decision(shipment: ids[0]))
        #expect(read.chosen?.key.description == "dpd/PREDICT")
        #expect(read.chosen?.origin == nil)
        #expect(read.requested == nil)
        let claimed = try await store.claim(limits: [:], othersLimit: 10, now: 3)
        #expect(try await store.bookingJobs(for: claimed).first?.candidates.count == 3)
    }
}
