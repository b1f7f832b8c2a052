import Foundation
import RelaisBooking
@testable import RelaisCarriers
import RelaisConfig
import RelaisControlAPI
import RelaisCore
import RelaisOrders
import RelaisRecords
import RelaisSandbox
import RelaisStore
import Testing

/// A return (SPEC §14) is booked like any shipment: at its return service, labelled,
/// recorded, and announced as `return.booked`.
@Suite(.serialized) struct ReturnBookingTests {
    @Test func aReturnIsBookedLabelledAndAnnouncedAsReturnBooked() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let (rig, ids) = try await CancelTests.booked(at: "colissimo", url: url, http: http)
                defer { rig.remove() }
                let outbound = try #require(try await rig.store.shipment(id: ids[0]))
                let orderID = try #require(outbound.orderIDs.first)
                let recorded = try #require(try await rig.store.recordedOrder(id: orderID))

                let request = try ReturnRequest.decode(Array(#"{"id": "RET-1", "order": "\#(orderID)", "delivery_mode": "relay"}"#.utf8))
                let decoded = try request.returnOrder(recorded: recorded, readyAt: "2026-11-30T10:00:00+01:00")
                var shipment = Shipment(id: "RET-1", orders: [decoded.order], site: Fixtures.lyon)
                shipment.direction = .return
                let decision = DecisionEngine(panel: Fixtures.panel.panel, policy: rig.policy).decide(shipment)
                #expect(decision.chosen?.key == ServiceKey(carrier: "colissimo", service: "CORE"))
                let id = try await rig.store.createReturn(
                    NewReturn(
                        id: "RET-1", orderID: orderID, reason: "size", site: "lyon-dc", parcels: 1, weightKg: shipment.totalWeightKg,
                        body: decoded.canonicalJSON),
                    decision: decision, policy: rig.policy, actor: .operator(uid: 0), now: BookingRig.now())
                #expect(id == "R-1")

                let stage = try rig.stage(sandbox: url, http: http)
                try await rig.run(stage) { $0.count(.booked) == 2 }
                let back = try #require(try await rig.store.shipment(id: id))
                #expect(back.state == .booked && back.service == "CORE")
                #expect(FileManager.default.contents(atPath: try #require(back.labelPath))?.starts(with: Array("%PDF".utf8)) == true)
                #expect(sandbox.ledger.bookings(reference: id).map(\.service) == ["CORE"])
                let events = try await rig.store.outboxDeliveries(state: "pending", endpoint: nil, limit: 100).filter { $0.shipmentID == id }
                #expect(events.map(\.type) == [OutboxEventType.returnBooked.rawValue])
                // The shop learns which return and which order the label is for.
                #expect(back.orderIDs == [orderID])
                #expect(back.returnOf == ReturnOf(id: "RET-1", orderID: orderID, reason: "size"))
                let eventID = try #require(events.first?.eventID)
                let body = try #require(try await rig.store.outboxEventBody(id: eventID))
                let event = try JSONDecoder().decode(ReturnBookedEvent.self, from: Data(body))
                #expect(event.data.orders == [orderID])
                #expect(event.data.returnOf == ReturnReply(id: "RET-1", order: orderID, reason: "size"))
                #expect(event.data.trackingNumber == back.trackingNumber)
                // The outbound shipment is untouched and still announced as shipment.booked.
                #expect(try await rig.store.shipment(id: ids[0])?.state == .booked)
            }
        }
    }

    @Test func aReturnIsSentFromTheCustomerToTheSite() throws {
        let template = try CarrierOperation.Template(file: "t", text: "from {{shipper.name}}, {{shipper.postcode}} to {{recipient.name}}, {{recipient.postcode}}")
        var shipment = Fixtures.shipment(name: "Camille Martin")
        let outbound = TemplateContext(
            booking: BookingRequest(reference: "S-1", service: "DOM", shipment: shipment, now: 1_796_029_200), credentials: .init([:]), token: nil)
        #expect(outbound.render(template).hasSuffix("from Entrepôt Lyon Gerland, 69007 to Camille Martin, 75011"))
        shipment.direction = .return
        let back = TemplateContext(
            booking: BookingRequest(reference: "R-1", service: "CORE", shipment: shipment, now: 1_796_029_200), credentials: .init([:]), token: nil)
        #expect(back.render(template).hasSuffix("from Camille Martin, 75011 to Entrepôt Lyon Gerland, 69007"))
    }
}

/// The part of a `return.booked` body (SPEC §12) the shop reads.
private struct ReturnBookedEvent: Decodable {
    var type: String
    var data: ShipmentReply
}
