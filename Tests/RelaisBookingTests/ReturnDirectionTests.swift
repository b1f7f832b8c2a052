import Foundation
import RelaisConfig
import RelaisCore
import Testing

/// Return services (SPEC §14): in the shipped panel with their rates, never chosen for an
/// outbound shipment nor an outbound service for a return; policy rules may match
/// `direction`.
struct ReturnDirectionTests {
    static func policy(_ extra: String = "") throws -> Policy {
        let text = try String(contentsOf: Fixtures.repository.appendingPathComponent("policies/default.toml"), encoding: .utf8)
        return try PolicyLoader.load(text: text + extra, file: "default.toml", panel: Fixtures.panel.panel)
    }

    static func relayShipment(direction: Direction) -> Shipment {
        var shipment = Fixtures.shipment(relayPoint: "RP-1")
        shipment.direction = direction
        return shipment
    }

    @Test func theShippedPanelSellsColissimosReturnWithItsRates() throws {
        let colissimo = try #require(Fixtures.panel.panel.carriers.first { $0.id == "colissimo" })
        let retour = try #require(colissimo.services.first { $0.code == "CORE" })
        #expect(retour.direction == .return && retour.mode == .relay)
        #expect(colissimo.services.filter { $0.code != "CORE" }.allSatisfy { $0.direction == .outbound })
    }

    @Test func anOutboundShipmentNeverGetsAReturnService() throws {
        let decision = DecisionEngine(panel: Fixtures.panel.panel, policy: try Self.policy()).decide(Self.relayShipment(direction: .outbound))
        let chosen = try #require(decision.chosen)
        #expect(chosen.key != ServiceKey(carrier: "colissimo", service: "CORE"))
        let retour = try #require(decision.candidates.first { $0.key.service == "CORE" })
        #expect(retour.reasons.codes == [.direction])
    }

    @Test func aReturnGetsOnlyReturnServices() throws {
        let decision = DecisionEngine(panel: Fixtures.panel.panel, policy: try Self.policy()).decide(Self.relayShipment(direction: .return))
        #expect(decision.chosen?.key == ServiceKey(carrier: "colissimo", service: "CORE"))
        #expect(decision.chosen?.price != nil)
        for candidate in decision.candidates where candidate.key.service != "CORE" {
            #expect(candidate.reasons.codes.contains(.direction), "\(candidate.key) was eligible for a return")
        }
    }

    @Test func aPolicyRuleMayMatchTheDirection() throws {
        let policy = try Self.policy(
            """

            [[rule]]
            name = "returns"
            when = { direction = "return" }
            constraints = { exclude = ["colissimo/CORE"] }
            """)
        let engine = DecisionEngine(panel: Fixtures.panel.panel, policy: policy)
        let back = engine.decide(Self.relayShipment(direction: .return))
        #expect(back.rulesApplied.contains("returns") && back.chosen == nil)
        #expect(!engine.decide(Self.relayShipment(direction: .outbound)).rulesApplied.contains("returns"))
        #expect(throws: ConfigError.self) {
            try Self.policy("\n[[rule]]\nname = \"x\"\nwhen = { direction = \"sideways\" }\nprices = { per_day = 1.00 }\n")
        }
    }
}
