import Foundation
import RelaisControlAPI

/// `relaisctl manifests [--date D]` and `relaisctl manifest close --carrier C --site S` (SPEC §14).
extension ControlCommands {
    public func manifests(date: String?) async -> CommandOutput {
        let query = date.map { "?date=\(Self.escape($0))" } ?? ""
        return await read("/v1/manifests" + query) { (list: ManifestListReply) in
            guard !list.manifests.isEmpty else { return "no manifest\(date.map { " for \($0)" } ?? "")\n" }
            var table = TextTable([
                ("manifest", .left), ("carrier", .left), ("site", .left), ("pickup", .left), ("state", .left), ("shipments", .right),
                ("closed", .left), ("carrier number", .left), ("csv", .left),
            ])
            for manifest in list.manifests {
                table.add([
                    manifest.id, manifest.carrier, manifest.site, manifest.pickupDate, manifest.state, String(manifest.shipments.count),
                    manifest.closedAt ?? "-", manifest.carrierReference ?? "-", manifest.csvPath ?? "-",
                ])
            }
            return table.render()
        }
    }

    /// Closes `carrier` at `site` now: exit 0 closed, 1 refused (nothing waits, already
    /// closed), 4 begun but the carrier has not taken it yet (relaisd finishes it).
    public func closeManifest(carrier: String, site: String) async -> CommandOutput {
        let body = (try? JSONSerialization.data(withJSONObject: ["carrier": carrier, "site": site], options: [.sortedKeys])) ?? Data()
        let reply: ControlClient.Reply
        do {
            reply = try await client.post("/v1/manifests/close", body: body)
        } catch {
            return Self.unreachable(error, into: CommandOutput())
        }
        guard reply.status == 200 else {
            return CommandOutput(stderr: "relaisctl: \(reply.errorReason)\n", status: reply.status == 503 ? .notYet : Self.status(for: reply.status))
        }
        if json { return CommandOutput(stdout: String(decoding: reply.body, as: UTF8.self)) }
        guard let manifest = try? reply.decode(ManifestReply.self) else {
            return CommandOutput(stderr: "relaisctl: unexpected reply from relaisd\n", status: .cannotRun)
        }
        var text = "\(manifest.id): \(manifest.shipments.count) shipments for \(manifest.pickupDate), \(manifest.state)\n"
        if let number = manifest.carrierReference { text += "carrier number: \(number)\n" }
        if let csv = manifest.csvPath { text += "list: \(csv)\n" }
        if let document = manifest.documentPath { text += "carrier's document: \(document)\n" }
        return CommandOutput(stdout: text)
    }
}

/// `relaisctl return ORDER` (SPEC §14).
extension ControlCommands {
    /// Asks for a return of `order`'s parcels: the return shipment `R-…` decided and queued
    /// for booking (exit 0), or refused with the reason (exit 1).
    public func returnShipment(order: String, id: String?, reason: String?, toSite: String?, mode: String?) async -> CommandOutput {
        var fields: [String: String] = ["id": id ?? "RET-\(order)", "order": order]
        if let reason { fields["reason"] = reason }
        if let toSite { fields["to_site"] = toSite }
        if let mode { fields["delivery_mode"] = mode }
        let body = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        let reply: ControlClient.Reply
        do {
            reply = try await client.post("/v1/returns", body: body)
        } catch {
            return Self.unreachable(error, into: CommandOutput())
        }
        guard reply.status == 201 else {
            return CommandOutput(stderr: "relaisctl: \(reply.errorReason)\n", status: Self.status(for: reply.status))
        }
        if json { return CommandOutput(stdout: String(decoding: reply.body, as: UTF8.self)) }
        guard let shipment = try? reply.decode(ShipmentReply.self) else {
            return CommandOutput(stderr: "relaisctl: unexpected reply from relaisd\n", status: .cannotRun)
        }
        let chosen = shipment.carrier.map { "\($0)/\(shipment.service ?? "")" } ?? "no return service"
        return CommandOutput(
            stdout: "\(shipment.id): return of \(order), \(shipment.state), \(chosen); relaisctl explain \(shipment.id) for the decision\n")
    }
}
