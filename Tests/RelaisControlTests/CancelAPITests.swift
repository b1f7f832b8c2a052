import Foundation
import RelaisCommands
import RelaisControlAPI
import RelaisCore
import RelaisStore
import Testing

/// `POST /v1/shipments/{id}/cancel` and `relaisctl cancel` (SPEC §14): each outcome has its
/// status and exit status, and nothing pending is ever reported done.
@Suite struct CancelAPITests {
    /// Two decided shipments, the first booked at `carrier` with a tracking number.
    static func shipments(_ rig: ControlRig, commands: ControlCommands) async throws -> (booked: String, queued: String) {
        let files = try ["C-1", "C-2"].map { try rig.write("\($0).json", ControlRig.order(id: $0)) }
        #expect(await commands.submit(files: files).status == .success)
        let ids = try await rig.aggregate().sorted()
        let claimed = try await rig.store.claim(limit: 1, now: Int64(Date().timeIntervalSince1970 * 1000))
        let first = try #require(claimed.first)
        let carrier = try #require(first.carrier), service = try #require(first.service)
        let now = Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        try await rig.store.commit(
            [
                BookingOutcome(
                    shipment: first.id, carrier: carrier, service: service,
                    result: .booked(trackingNumber: "TN-\(first.id)", carrierPrice: nil, labelPath: nil), startedAt: now, finishedAt: now)
            ], now: now)
        return (first.id, ids.first { $0 != first.id }!)
    }

    @Test func eachOutcomeHasItsStatusAndExitStatus() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { commands, client in
            let (booked, queued) = try await Self.shipments(rig, commands: commands)

            // Not at a carrier yet: cancelled at once.
            let done = await commands.cancel(id: queued)
            #expect(done.status == .success && done.stdout == "\(queued): queued → cancelled\n")

            // The carrier refuses: 409 saying why, still booked.
            rig.cancelScript.next = .refused("parcel already collected")
            let refused = try await client.post("/v1/shipments/\(booked)/cancel")
            #expect(refused.status == 409 && refused.errorReason.contains("parcel already collected"))
            #expect(await commands.cancel(id: booked).status == .invalid)

            // Nothing reached the carrier: 503, exit 4, nothing recorded.
            rig.cancelScript.next = .notCancelled("HTTP 503")
            #expect(try await client.post("/v1/shipments/\(booked)/cancel").status == 503)
            #expect(await commands.cancel(id: booked).status == .notYet)

            // The answer was lost: 202 pending, exit 4, and the shipment still booked.
            rig.cancelScript.next = .unknown("timed out after sending")
            let pending = await commands.cancel(id: booked)
            #expect(pending.status == .notYet)
            #expect(pending.stdout.contains("\(booked): booked, cancel pending") && pending.stdout.contains("timed out after sending"))
            #expect(try await client.get("/v1/shipments/\(booked)").decode(ShipmentReply.self).state == "booked")
            // A second request while pending: 409, saying so.
            let again = try await client.post("/v1/shipments/\(booked)/cancel")
            #expect(again.status == 409 && again.errorReason.contains("already pending"))

            #expect(try await client.post("/v1/shipments/S-404/cancel").status == 404)
            let audit = try await rig.store.events(shipment: booked).filter { $0.kind == .writeRefused }
            #expect(audit.count >= 2)
        }
    }

    @Test func aStoreWithoutCancelsSaysSoInsteadOfFailing() async throws {
        let rig = try ControlRig(cancels: false)
        defer { rig.remove() }
        try await rig.serving { commands, client in
            let (booked, _) = try await Self.shipments(rig, commands: commands)
            let reply = try await client.post("/v1/shipments/\(booked)/cancel")
            #expect(reply.status == 501 && reply.errorReason.contains("keeps no cancels"))
            #expect(await commands.cancel(id: booked).status == .cannotRun)
        }
    }
}
