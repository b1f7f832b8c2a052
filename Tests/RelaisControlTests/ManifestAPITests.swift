import Foundation
import RelaisCommands
import RelaisControlAPI
import RelaisCore
import Testing

/// `GET /v1/manifests`, `POST /v1/manifests/close`, `relaisctl manifests` and
/// `relaisctl manifest close` (SPEC §14).
@Suite struct ManifestAPITests {
    @Test func anOperatorClosesTheDayAndListsIt() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { commands, client in
            let (booked, _) = try await CancelAPITests.shipments(rig, commands: commands)
            let carrier = try #require(try await rig.store.shipment(id: booked)?.carrier)

            let closed = await commands.closeManifest(carrier: carrier, site: "lyon-dc")
            #expect(closed.status == .success)
            #expect(closed.stdout.contains("1 shipments for") && closed.stdout.contains("closed"))
            let list = try await client.get("/v1/manifests").decode(ManifestListReply.self)
            let manifest = try #require(list.manifests.first)
            #expect(list.manifests.count == 1 && manifest.carrier == carrier && manifest.shipments.map(\.shipment) == [booked])
            #expect(manifest.shipments.first?.trackingNumber == "TN-\(booked)")
            #expect(try await client.get("/v1/manifests?date=\(manifest.pickupDate)").decode(ManifestListReply.self).manifests.count == 1)
            #expect(try await client.get("/v1/manifests?date=1999-01-01").decode(ManifestListReply.self).manifests.isEmpty)
            #expect(try await client.get("/v1/manifests?date=monday").status == 400)
            let table = await commands.manifests(date: nil)
            #expect(table.stdout.contains(manifest.id) && table.stdout.contains(carrier))

            // Nothing left: 409 saying so, exit 1.
            let again = await commands.closeManifest(carrier: carrier, site: "lyon-dc")
            #expect(again.status == .invalid && again.stderr.contains("already closed"))
            #expect(try await client.post("/v1/manifests/close", body: Data("{}".utf8)).status == 400)
        }
    }

    @Test func aStoreWithoutManifestsSaysSo() async throws {
        let rig = try ControlRig(cancels: false)
        defer { rig.remove() }
        try await rig.serving { commands, client in
            #expect(await commands.closeManifest(carrier: "dpd", site: "lyon-dc").status == .cannotRun)
            // The rig's store keeps manifests: reads still answer; only the close is missing.
            let listed = try await client.get("/v1/manifests")
            #expect(listed.status == 200)
        }
    }
}
