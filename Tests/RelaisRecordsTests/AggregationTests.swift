import Foundation
import GRDB
import RelaisStore
import Testing
@testable import RelaisAggregation
@testable import RelaisConfig
@testable import RelaisCore
@testable import RelaisRecords

@Suite struct AddressKeyTests {
    @Test func foldsCaseAccentsPunctuationAndAbbreviations() {
        #expect(AddressKey.normalise("12, Rue  de la Roquette") == "12 rue de la roquette")
        #expect(AddressKey.normalise("12 r. de la roquette") == "12 rue de la roquette")
        #expect(AddressKey.normalise("3 Bd St-Germain") == "3 boulevard saint germain")
        #expect(AddressKey.normalise("Allée des Érables") == "allee des erables")
        #expect(AddressKey.normalise("5 av. Jean-Médecin") == AddressKey.normalise("5 AVENUE JEAN MEDECIN"))
        let a = Recipient(name: "Camille MARTIN", street: ["12, Rue de la Roquette"], postcode: "75011", city: "PARIS", country: "FR")
        let b = Recipient(name: "camille martin", street: ["12 r. de la roquette"], postcode: "75 011", city: "Paris", country: "fr")
        #expect(AddressKey.make(a) == AddressKey.make(b))
        let c = Recipient(name: "Inès Laurent", street: ["12 rue de la Roquette"], postcode: "75011", city: "Paris", country: "FR")
        #expect(AddressKey.make(a) != AddressKey.make(c))
    }
}

@Suite struct ConsolidationTests {
    func pending(_ id: String, _ key: String, _ readyAt: Int64) -> Consolidation.Pending {
        Consolidation.Pending(orderID: id, key: key, readyAt: readyAt)
    }

    @Test func windowZeroShipsEveryOrderAlone() {
        let groups = Consolidation.dueGroups([pending("a", "k", 100), pending("b", "k", 100)], windowSeconds: 0, now: 0)
        #expect(groups.map { $0.map(\.orderID) } == [["a"], ["b"]])
    }

    @Test func ordersReadyWithinTheWindowShipTogetherWhenItCloses() {
        let orders = [pending("a", "k", 1000), pending("b", "k", 1000 + 600), pending("c", "k", 1000 + 901), pending("d", "other", 1000)]
        // 15-minute window from a's ready time closes at 1900: not yet at 1899.
        #expect(Consolidation.dueGroups(orders, windowSeconds: 900, now: 1899).isEmpty)
        // At 1900 a and b leave together; c (901 s after a) opened a window of its own, and d has another address.
        let due = Consolidation.dueGroups(orders, windowSeconds: 900, now: 1900)
        #expect(due.map { $0.map(\.orderID) } == [["a", "b"], ["d"]])
        #expect(Consolidation.dueGroups(orders, windowSeconds: 900, now: 1901 + 900).map { $0.map(\.orderID) } == [["a", "b"], ["c"], ["d"]])
    }
}

@Suite struct AggregationStageTests {
    static func stage(_ store: any DaemonStore, window: Int64 = 0, policyEdit: (String) -> String = { $0 }) throws -> AggregationStage {
        let panel = try PanelLoader.load(directory: Orders.repository.appendingPathComponent("carriers").path)
        let text = policyEdit(try String(contentsOf: Orders.repository.appendingPathComponent("policies/default.toml"), encoding: .utf8))
        let policy = try PolicyLoader.load(text: text, file: "default.toml", panel: panel.panel)
        return AggregationStage(
            store: store, engine: DecisionEngine(panel: panel.panel, policy: policy), sites: [Orders.lyon], windowSeconds: window)
    }

    @Test func decidesAndRecordsEachShipmentWithItsDecision() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        _ = try await store.accept([Orders.incoming(Orders.json(id: "A-1"))], source: "test", now: Orders.readyMillis)
        let ids = try await Self.stage(store).runOnce(now: Orders.readyMillis).created
        #expect(ids == ["S-1"])
        let shipment = try #require(try await store.shipment(id: "S-1"))
        #expect(shipment.state == .queued)
        #expect(shipment.orderIDs == ["A-1"])
        #expect(shipment.carrier == "dpd")
        #expect(shipment.service == "PREDICT")
        #expect(shipment.price == Money(minorUnits: 809))
        #expect(shipment.eta == "2026-11-24")
        #expect(try await store.order(id: "A-1")?.state == "queued")
        // The recorded decision is the decision, with the policy version that made it.
        let decision = try #require(try await store.decision(shipment: "S-1"))
        #expect(decision.chosen?.key.description == "dpd/PREDICT")
        #expect(decision.candidates.count == 12)
        #expect(decision.candidates[0].cost?.description == "8.7764")
        #expect(decision.rulesApplied == ["Paris low-emission zone"])
        let text = try await store.policyText(sha256: decision.policySHA256)
        #expect(text?.contains("name = \"default\"") == true)
        #expect(try await store.queueCounts()[.queued] == 1)
        #expect(try await store.events(shipment: "S-1").map(\.kind.name) == ["shipment.created"])
        // Nothing left to do.
        #expect(try await Self.stage(store).runOnce(now: Orders.readyMillis).created.isEmpty)
    }

    /// A decision's values are bound straight to SQLite (`Statement.run(in:_:)`): each
    /// reads back in its place and type, NULLs as nil, whatever else the decision holds; a
    /// refused insert is SQLite's error and leaves the statement usable.
    @Test func aRecordedDecisionReadsBackValueForValue() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        _ = try await store.accept([Orders.incoming(Orders.json(id: "A-1", name: "Client"))], source: "test", now: Orders.readyMillis)
        _ = try await Self.stage(store).runOnce(now: Orders.readyMillis)
        let made = try #require(try await store.decision(shipment: "S-1"))
        #expect(made.candidates.contains { $0.price == nil } && made.candidates.contains { $0.price != nil })
        var other = made
        other.late = true
        other.held = true
        other.distanceBasis = nil
        other.rulesApplied = ["a", "b é"]
        other.candidates[1].origin = "lyon-dc"
        other.chosenIndex = 1
        other.requested = RequestedServiceOutcome(key: other.candidates[1].key, honoured: false, reasons: [.excluded], origin: "lyon-dc")
        for (offset, decision) in [made, other].enumerated() {
            let now = Orders.readyMillis + Int64(offset + 1)
            try await store.pool.write { db in _ = try db.recordDecision(decision, shipment: "S-1", now: now) }
            #expect(try await store.decision(shipment: "S-1") == decision)
        }
        let taken = try await store.pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM decisions") }
        await #expect(throws: DatabaseError.self) {
            try await store.pool.write { db in _ = try db.recordDecision(made, id: taken, shipment: "S-1", now: Orders.readyMillis) }
        }
        try await store.pool.write { db in _ = try db.recordDecision(made, shipment: "S-1", now: Orders.readyMillis + 9) }
        #expect(try await store.decision(shipment: "S-1") == made)
    }

    /// Shipments are inserted with the id their decision gets next: each must name its own
    /// decision, over several passes.
    @Test func eachShipmentNamesItsOwnDecision() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        for pass in 0..<3 {
            let orders = (0..<4).map { Orders.incoming(Orders.json(id: "D-\(pass)-\($0)", name: "Client \(pass) \($0)")) }
            _ = try await store.accept(orders, source: "test", now: Orders.readyMillis)
            #expect(try await Self.stage(store).runOnce(now: Orders.readyMillis).created.count == 4)
        }
        let pairs = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT s.id, s.decision_id, d.id AS own FROM shipments s LEFT JOIN decisions d ON d.shipment_id = s.id")
                .map { ($0["id"] as String, $0["decision_id"] as Int64?, $0["own"] as Int64?) }
        }
        #expect(pairs.count == 12)
        for (shipment, named, own) in pairs { #expect(named != nil && named == own, "\(shipment) names decision \(String(describing: named)), its own is \(String(describing: own))") }
    }

    @Test func consolidatesOrdersToOneAddressWithinTheWindow() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let orders = [
            Orders.incoming(Orders.json(id: "A-1")),
            Orders.incoming(Orders.json(id: "A-2", name: "CAMILLE MARTIN", street: "12, r. de la Roquette", readyAt: "2026-11-23T10:25:00+01:00")),
            Orders.incoming(Orders.json(id: "A-3", name: "Inès Laurent")),
        ]
        _ = try await store.accept(orders, source: "test", now: Orders.readyMillis)
        let stage = try Self.stage(store, window: 900)
        #expect(try await stage.runOnce(now: Orders.readyMillis + 899_000).created.isEmpty)
        let ids = try await stage.runOnce(now: Orders.readyMillis + 900_000).created
        #expect(ids.count == 2)
        let shipments = try await store.shipments()
        let together = try #require(shipments.first { $0.orderIDs.count == 2 })
        #expect(together.orderIDs == ["A-1", "A-2"])
        // Two parcels of 1.2 kg: 8.09 each.
        #expect(together.price == Money(minorUnits: 1618))
    }

    @Test func holdsWhatNothingCanCarryWithTheReasons() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        _ = try await store.accept([Orders.incoming(Orders.json(id: "H-1", weight: 40))], source: "test", now: Orders.readyMillis)
        let ids = try await Self.stage(store).runOnce(now: Orders.readyMillis).created
        let shipment = try #require(try await store.shipment(id: ids[0]))
        #expect(shipment.state == .held)
        #expect(shipment.carrier == nil)
        #expect(shipment.reason?.hasPrefix("no eligible service:") == true)
        #expect(shipment.reason?.contains("weight ×") == true)
        let decision = try #require(try await store.decision(shipment: ids[0]))
        #expect(decision.held)
        #expect(decision.candidates.allSatisfy { !$0.reasons.isEmpty })
    }

    @Test func allocationCapsCountTodaysShipments() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let orders = (1...3).map { Orders.incoming(Orders.json(id: "C-\($0)", name: "Client \($0)")) }
        _ = try await store.accept(orders, source: "test", now: Orders.readyMillis)
        // dpd may take 2 shipments a day from the site: the third goes elsewhere.
        let stage = try Self.stage(store) { $0 + "\n[[allocation]]\ncarrier = \"dpd\"\ndaily_cap = 2\n" }
        _ = try await stage.runOnce(now: Orders.readyMillis)
        let carriers = try await store.shipments().sorted { $0.id < $1.id }.map(\.carrier)
        #expect(carriers == ["dpd", "dpd", "colissimo"])
        let third = try #require(try await store.decision(shipment: "S-3"))
        #expect(third.candidates.first { $0.key.description == "dpd/PREDICT" }?.reasons == .capacity)
    }
}

@Suite struct StuckOrderTests {
    /// An order for a site that relais.toml no longer lists is kept pending, not lost.
    @Test func ordersForAnUnknownSiteWaitAndSayWhy() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let text = Orders.json(id: "P-1").replacingOccurrences(of: "\"lyon-dc\"", with: "\"paris-store\"")
        _ = try await store.accept([Orders.incoming(text)], source: "test", now: Orders.readyMillis)
        let report = try await AggregationStageTests.stage(store).runOnce(now: Orders.readyMillis)
        #expect(report.created.isEmpty)
        #expect(report.stuck.map(\.orderID) == ["P-1"])
        #expect(report.stuck.first?.reason == "site 'paris-store' is not in relais.toml")
        #expect(try await store.order(id: "P-1")?.state == "pending")
    }
}
