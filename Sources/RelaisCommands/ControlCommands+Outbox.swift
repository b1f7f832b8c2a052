import Foundation
import RelaisControlAPI

/// `relaisctl outbox`, `outbox replay ID`, `webhooks`, `webhooks enable N` (SPEC §12).
extension ControlCommands {
    public func outbox(state: String?, endpoint: String?, limit: Int?) async -> CommandOutput {
        var query: [String] = []
        if let state { query.append("state=\(Self.escape(state))") }
        if let endpoint { query.append("endpoint=\(Self.escape(endpoint))") }
        if let limit { query.append("limit=\(limit)") }
        return await read("/v1/outbox" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))) { (list: OutboxListReply) in
            guard !list.deliveries.isEmpty else { return "no outbox events\n" }
            var table = TextTable([
                ("event", .left), ("type", .left), ("shipment", .left), ("endpoint", .left), ("state", .left),
                ("attempts", .right), ("next / delivered", .left), ("last error", .left),
            ])
            for item in list.deliveries {
                table.add([
                    item.id, item.type, item.shipment ?? "-", item.endpoint, item.state, String(item.attempts),
                    item.deliveredAt ?? item.nextAttemptAt ?? "-", item.lastError ?? "",
                ])
            }
            return table.render()
        }
    }

    public func outboxReplay(id: String) async -> CommandOutput {
        await write("/v1/outbox/\(Self.escape(id))/replay") { (reply: OutboxActionReply) in
            "\(reply.target): sent again to \(reply.changed) endpoint\(reply.changed == 1 ? "" : "s"), same id\n"
        }
    }

    public func webhooks() async -> CommandOutput {
        await read("/v1/webhooks") { (list: OutboxEndpointListReply) in
            guard !list.endpoints.isEmpty else { return "no outbox endpoint: relais.toml has no [outbox] spool and no [[webhook]]\n" }
            return Self.endpointTable(list.endpoints)
        }
    }

    public func enableWebhook(number: Int) async -> CommandOutput {
        await write("/v1/webhooks/\(number)/enable") { (reply: OutboxActionReply) in
            reply.changed > 0 ? "\(reply.target): enabled; its pending events go now\n" : "\(reply.target): was not disabled\n"
        }
    }

    static func endpointTable(_ endpoints: [OutboxEndpointReply]) -> String {
        var table = TextTable([
            ("endpoint", .left), ("target", .left), ("state", .left), ("pending", .right), ("oldest", .right), ("dead", .right),
            ("events", .left),
        ])
        for endpoint in endpoints {
            table.add([
                endpoint.name, endpoint.target,
                endpoint.state + (endpoint.disabledReason.map { " (\($0))" } ?? ""),
                String(endpoint.pending), endpoint.oldestPendingSeconds.map { duration(Int($0)) } ?? "-", String(endpoint.dead),
                endpoint.events.isEmpty ? "all" : endpoint.events.joined(separator: ", "),
            ])
        }
        return table.render()
    }
}
