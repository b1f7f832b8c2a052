import Foundation
import Testing
@testable import RelaisCommands
@testable import RelaisCore

/// Origins in `quote`, the Lille sample orders, and the demo's fresh ready times (SPEC §15).
@Suite struct OriginCommandTests {
    func path(_ relative: String) -> String { CommandTests.repository.appendingPathComponent(relative).path }

    @Test func theLilleOrderLeavesFromTheLilleStore() {
        let output = QuoteCommand.run(
            orderFile: path("samples/order-origins.json"), configFile: path("systemd/relais.toml"), carriers: path("carriers"),
            policyFile: path("policies/default.toml"), json: false)
        #expect(output.status == .success, "\(output.stderr)")
        let chosen = output.stdout.split(separator: "\n").first { $0.hasPrefix("Chosen: ") }
        #expect(chosen?.contains("from lille-store") == true, "\(output.stdout)")
        #expect(output.stdout.contains("from lyon-dc"))
    }

    /// Every sample order to Lille that may leave from the store does, and the one to Lyon
    /// (express, three origins) leaves from the Lyon warehouse.
    @Test func theSampleOrdersWithOriginsLeaveFromTheNearestSite() throws {
        let output = QuoteCommand.run(
            orderFile: path("samples/orders.ndjson"), configFile: path("systemd/relais.toml"), carriers: path("carriers"),
            policyFile: path("policies/default.toml"), json: true)
        #expect(output.status == .success, "\(output.stderr)")
        let records = try JSONDecoder().decode([DecisionRecord].self, from: Data(output.stdout.utf8))
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.shipment, $0) })
        #expect(byID["A-1013"]?.chosen?.origin == "lille-store")
        #expect(byID["A-1014"]?.chosen?.origin == "lille-store")
        #expect(byID["A-1014"]?.requested?.carrier == "mondialrelay")
        #expect(byID["A-1015"]?.chosen?.origin == "lyon-dc")
        #expect(byID["A-1001"]?.chosen?.origin == "lyon-dc")
    }

    /// The explanation shows both the request and the choice: a costlier request moved up,
    /// the policy's own pick named; a request that is the policy's pick anyway, said so.
    @Test(arguments: [(true, "(the policy alone would choose alpha/A1, cost 6.1160)"), (false, "(also the policy's own choice)")])
    func explainShowsTheRequestAndThePolicysChoice(costlier: Bool, expected: String) {
        func candidate(_ key: String, rank: Int, cost: Int64) -> CandidateEvaluation {
            CandidateEvaluation(
                key: ServiceKey(parsing: key)!, origin: "lyon", serviceName: key, reasons: [], rank: rank,
                price: Money(minorUnits: 600), leadDays: 1, eta: nil, co2eGrams: 45, dataQuality: 2, cost: Cost(units: cost))
        }
        let decision = Decision(
            shipmentID: "S-1", policyName: "default", policySHA256: "abc", currency: "EUR", rulesApplied: [],
            candidates: [candidate("beta/B1", rank: 1, cost: 72_045), candidate("alpha/A1", rank: 2, cost: costlier ? 61_160 : 80_000)],
            chosenIndex: 0, late: false, held: false,
            requested: RequestedServiceOutcome(key: ServiceKey(carrier: "beta", service: "B1"), honoured: true, origin: "lyon"))
        let text = DecisionTable.render(decision)
        #expect(text.contains("Requested at checkout: beta/B1 — honoured \(expected)"), "\(text)")
        var refused = decision
        refused.requested = RequestedServiceOutcome(key: ServiceKey(carrier: "gamma", service: "G1"), honoured: false, inPanel: false)
        #expect(DecisionTable.render(refused).contains("gamma/G1 — not in the carrier panel; chosen by the policy instead"))
    }

    @Test func theDemoMakesItsOrdersReadyWhenItDropsThem() {
        let line = #"{"id": "A-1", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00", "promised_by": "2026-11-26", "x": 1}"#
        // 2027-03-01T08:30:00Z
        let now: Int64 = 1_803_889_800
        let fresh = DemoSetup.madeReady(line + "\n" + line + "\n", now: now)
        let expected = #"{"id": "A-1", "site": "lyon-dc", "ready_at": "2027-03-01T08:30:00Z", "promised_by": "2027-03-04", "x": 1}"#
        #expect(fresh == expected + "\n" + expected + "\n")
        #expect(Timestamp.parse("2027-03-01T08:30:00Z") == now)
    }
}
