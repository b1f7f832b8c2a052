import Foundation
import RelaisCommands
import RelaisControlAPI
import RelaisCore
import Testing

/// `POST /v1/returns` and `relaisctl return` (SPEC §14): decided over return services,
/// recorded as `R-…`, explained; clear errors for an unknown order, an order never
/// shipped, a second return for the same parcels, a bad field.
@Suite struct ReturnAPITests {
    @Test func aShippedOrderComesBackOnAReturnService() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { commands, client in
            let (booked, queued) = try await CancelAPITests.shipments(rig, commands: commands)
            let shippedOrder = try #require(try await rig.store.shipment(id: booked)?.orderIDs.first)
            let pendingOrder = try #require(try await rig.store.shipment(id: queued)?.orderIDs.first)

            let made = await commands.returnShipment(order: shippedOrder, id: "RET-1", reason: "size", toSite: nil, mode: "relay")
            #expect(made.status == .success)
            #expect(made.stdout.hasPrefix("R-1: return of \(shippedOrder), queued, colissimo/CORE"))
            let shipment = try await client.get("/v1/shipments/R-1").decode(ShipmentReply.self)
            #expect(shipment.state == "queued" && shipment.carrier == "colissimo" && shipment.service == "CORE")
            let decision = try await client.get("/v1/shipments/R-1/decision").decode(DecisionRecord.self)
            #expect(decision.chosen?.service == "CORE")
            #expect(decision.candidates.filter { $0.service != "CORE" }.allSatisfy { $0.reasons.contains(.direction) })
            let explained = await commands.explain(id: "R-1")
            #expect(explained.stdout.contains("colissimo/CORE"))

            // The same parcels again: refused, saying why; the same id: refused.
            let second = await commands.returnShipment(order: shippedOrder, id: "RET-2", reason: nil, toSite: nil, mode: nil)
            #expect(second.status == .invalid && second.stderr.contains("already coming back"))
            let again = try await client.post("/v1/returns", body: Data(#"{"id": "RET-1", "order": "\#(shippedOrder)"}"#.utf8))
            #expect(again.status == 409 && again.errorReason.contains("RET-1 exists"))
            // Never shipped, unknown, malformed.
            let never = await commands.returnShipment(order: pendingOrder, id: "RET-3", reason: nil, toSite: nil, mode: nil)
            #expect(never.status == .invalid && never.stderr.contains("never shipped"))
            #expect(try await client.post("/v1/returns", body: Data(#"{"id": "RET-4", "order": "NOPE"}"#.utf8)).status == 404)
            let badMode = try await client.post("/v1/returns", body: Data(#"{"id": "RET-5", "order": "C-1", "delivery_mode": "drone"}"#.utf8))
            #expect(badMode.status == 400 && badMode.errorReason.contains("delivery_mode"))
            let badSite = try await client.post("/v1/returns", body: Data(#"{"id": "RET-6", "order": "C-1", "to_site": "paris-x"}"#.utf8))
            #expect(badSite.status == 400 && badSite.errorReason.contains("to_site"))
            #expect(try await client.post("/v1/returns", body: Data(#"{"order": "C-1"}"#.utf8)).status == 400)
        }
    }
}
