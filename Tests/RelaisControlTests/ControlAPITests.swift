import Foundation
@testable import RelaisCommands
import RelaisControl
import RelaisControlAPI
import RelaisCore
import RelaisRecords
import RelaisStore
import Testing

/// The control API over a real Unix socket, read through relaisctl's own client.
@Suite struct ControlAPITests {
    @Test func statusHasTheShapeScriptsRelyOn() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        rig.breakers.withLock { $0["dpd"] = .open(until: .epoch) }
        try await rig.serving { _, client in
            let reply = try await client.get("/v1/status")
            #expect(reply.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
            for key in ["version", "uptime_s", "policy", "queue", "carriers"] { #expect(object[key] != nil, "missing \(key)") }
            let queue = try #require(object["queue"] as? [String: Int])
            #expect(Set(queue.keys) == ["queued", "booking", "deferred", "held", "uncertain", "booked", "failed", "cancelled"])
            let policy = try #require(object["policy"] as? [String: String])
            #expect(policy["name"] == "default" && policy["sha256"]?.count == 64)
            let status = try reply.decode(StatusReply.self)
            #expect(status.carriers.first { $0.id == "dpd" }?.state == "open")
            #expect(status.carriers.first { $0.id == "colissimo" }?.state == "closed")
            // SQLite: the node, and no other nodes.
            #expect(status.node == rig.store.node)
            #expect(status.otherNodes == nil && object["other_nodes"] == nil)
        }
    }

    @Test func relaisctlStatusNamesTheNodeAndTheOtherNodesLeases() {
        var status = StatusReply(
            version: "1", uptimeSeconds: 5, pid: 7, policy: .init(name: "default", sha256: "abc"), queue: [:], carriers: [],
            pendingOrders: 0, configurationLoadedAt: "2026-11-23T09:00:00Z")
        status.node = "node-a"
        #expect(ControlCommands.render(status).hasPrefix("relaisd 1, pid 7, up 5s, node node-a\n"))
        #expect(!ControlCommands.render(status).contains("other nodes"))
        status.otherNodes = []
        #expect(ControlCommands.render(status).contains("other nodes: none holding shipments"))
        status.otherNodes = [
            .init(node: "node-b", shipments: 12, leaseUntil: "2026-11-23T09:01:00.000Z", expired: false),
            .init(node: "node-c", shipments: 3, leaseUntil: "2026-11-23T08:59:00.000Z", expired: true),
        ]
        let text = ControlCommands.render(status)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("node-") }
        #expect(rows.count == 2)
        #expect(rows[0].contains("12") && rows[0].contains("2026-11-23T09:01:00.000Z") && !rows[0].contains("expired"))
        #expect(rows[1].contains("3") && rows[1].contains("(expired: taken over soon)"))
    }

    @Test func submittedOrdersAreRecordedAndRejectionsExplained() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let good = try rig.write("good.ndjson", ControlRig.order(id: "API-1").replacing("\n", with: " ") + "\n" + ControlRig.order(id: "API-2").replacing("\n", with: " ") + "\n")
        let bad = try rig.write("bad.json", ControlRig.order(id: "API-3", weight: -1))
        try await rig.serving { commands, client in
            let first = await commands.submit(files: [good])
            #expect(first.status == .success)
            #expect(first.stdout.contains("2 accepted"))
            let again = await commands.submit(files: [good])
            #expect(again.stdout.contains("0 accepted, 2 already recorded"))
            let rejected = await commands.submit(files: [bad])
            #expect(rejected.status == .invalid)
            #expect(rejected.stderr.contains("order API-3") && rejected.stderr.contains("weight_kg"))

            let order = try await client.get("/v1/orders/API-1").decode(OrderReply.self)
            #expect(order.state == "pending" && order.shipment == nil)
            #expect(try await client.get("/v1/orders/API-3").status == 404)
        }
        #expect(try await rig.store.order(id: "API-2") != nil)
        #expect(try await rig.store.order(id: "API-3") == nil)
    }

    @Test func shipmentsCanBeListedShownExplainedAndSteered() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let file = try rig.write("one.json", ControlRig.order(id: "API-9"))
        try await rig.serving { commands, client in
            #expect(await commands.submit(files: [file]).status == .success)
            let created = try await rig.aggregate()
            let id = try #require(created.first)

            let list = try await client.get("/v1/shipments?state=queued").decode(ShipmentListReply.self)
            #expect(list.shipments.map(\.id) == [id])
            #expect(list.shipments[0].attempts == nil)
            #expect(try await client.get("/v1/shipments?state=lost").status == 400)

            let shipment = try await client.get("/v1/shipments/\(id)").decode(ShipmentReply.self)
            #expect(shipment.orders == ["API-9"] && shipment.state == "queued" && shipment.carrier != nil)
            #expect(shipment.attempts == [])
            // The GHG information owed to the customer: the chosen candidate's figure, in kg.
            let ghg = try #require(shipment.ghg)
            #expect(ghg.co2eKg == (shipment.co2eGrams!).rounded() / 1000)
            #expect(ghg.method.contains("ISO 14083") && (1...4).contains(ghg.dataQuality))
            #expect(ghg.distanceKm != nil && ghg.parcels == 1 && ghg.tonneKm != nil)
            let order = try await client.get("/v1/orders/API-9").decode(OrderReply.self)
            #expect(order.shipment == id && order.state == "queued")

            let explained = await commands.explain(id: id)
            #expect(explained.stdout.contains("Chosen: \(shipment.carrier!)/\(shipment.service!)"))
            let decision = try await client.get("/v1/shipments/\(id)/decision").decode(DecisionRecord.self)
            #expect(decision.chosen?.carrier == shipment.carrier)

            let held = await commands.act("hold", id: id)
            #expect(held.stdout == "\(id): queued → held\n")
            let again = await commands.act("retry", id: id)
            #expect(again.status == .invalid)
            #expect(again.stderr.contains("does not apply to a held shipment"))
            #expect(await commands.act("release", id: id).stdout == "\(id): held → queued\n")
            #expect(await commands.act("hold", id: "S-404").status == .invalid)
            #expect(try await client.post("/v1/shipments/\(id)/explode").status == 404)

            // Every write is in the event log with the peer's uid.
            let events = try await rig.store.events(shipment: id).filter { $0.actor == "operator" }
            #expect(events.map(\.kind.name) == ["shipment.hold", "shipment.release"])
            #expect(events.allSatisfy { $0.uid == Int64(getuid()) })
        }
    }

    @Test func quoteDecidesWithoutStoring() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let file = try rig.write("quote.json", ControlRig.order(id: "Q-1"))
        try await rig.serving { commands, _ in
            let output = await commands.quote(file: file)
            #expect(output.status == .success)
            #expect(output.stdout.contains("Shipment Q-1 · policy default"))
            #expect(output.stdout.contains("Chosen: "))
        }
        #expect(try await rig.store.order(id: "Q-1") == nil)
    }

    @Test func reloadIsAllOrNothingAndReportsFileAndLine() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let policy = rig.policies.appendingPathComponent("default.toml")
        let original = try String(contentsOf: policy, encoding: .utf8)
        try await rig.serving { commands, client in
            let before = try await client.get("/v1/status").decode(StatusReply.self).policy
            try Data((original + "\n[weights\n").utf8).write(to: policy)
            let refused = await commands.reload()
            #expect(refused.status == .invalid)
            #expect(refused.stderr.contains("default.toml:"))
            #expect(try await client.get("/v1/status").decode(StatusReply.self).policy == before)

            try Data((original + "\n# edited\n").utf8).write(to: policy)
            let applied = await commands.reload()
            #expect(applied.status == .success)
            let after = try await client.get("/v1/status").decode(StatusReply.self).policy
            #expect(after.name == before.name && after.sha256 != before.sha256)
        }
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        rig.breakers.withLock { $0["velocite"] = .halfOpen(probeInFlight: true) }
        try await rig.serving { _, client in
            let reply = try await client.get("/metrics")
            #expect(reply.status == 200)
            let text = String(decoding: reply.body, as: UTF8.self)
            #expect(text.contains("# TYPE relais_queue_depth gauge"))
            #expect(text.contains(#"relais_queue_depth{state="queued"} 0"#))
            #expect(text.contains(#"relais_breaker_state{carrier="velocite"} 1"#))
        }
    }

    @Test func errorsAreJSONWithAReason() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { _, client in
            let reply = try await client.get("/v1/shipments/S-nope")
            #expect(reply.status == 404)
            let error = try reply.decode(ErrorReply.self)
            #expect(error.error == "not-found" && error.reason == "no shipment S-nope")
        }
    }
}
