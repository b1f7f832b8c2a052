import Foundation
import Hummingbird
import Logging
import RelaisConfig
import RelaisControlAPI
import RelaisStore

/// The outbox endpoints (SPEC §12): `GET /v1/outbox`, `GET /v1/webhooks`,
/// `POST /v1/outbox/{id}/replay`, `POST /v1/webhooks/{n}/enable`.
///
/// - Important: Replies name a webhook by its number and URL, never its secrets.
extension ControlHandlers {
    /// The store's outbox, or a clear refusal where the store has none.
    func outboxLog() throws -> any OutboxLog {
        guard let outbox = state.outbox else {
            throw ControlError.notFound("this store keeps no outbox: the outbox (SPEC §12) needs the SQLite store in this version")
        }
        return outbox
    }

    /// Every endpoint the records know with its backlog, named after relais.toml; endpoints
    /// no longer configured that still have pending or dead events are listed by target.
    func outboxEndpoints() async throws -> [OutboxEndpointReply] {
        guard let outbox = state.outbox else { return [] }
        return outboxEndpoints(try await outbox.outboxBacklog())
    }

    /// The endpoints' replies from their backlog as the store counted it.
    func outboxEndpoints(_ backlogs: [OutboxEndpointBacklog]) -> [OutboxEndpointReply] {
        let config = state.running.configuration.config
        let configured = Dictionary(config.outboxEndpoints.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
        let now = state.clock()
        return backlogs.compactMap { backlog in
            let endpoint = configured[backlog.target]
            guard endpoint != nil || backlog.pending > 0 || backlog.dead > 0 else { return nil }
            let spool = (config.paths.spool as NSString).appendingPathComponent("out")
            return OutboxEndpointReply(
                name: endpoint?.name ?? backlog.target, number: endpoint?.webhook?.number,
                target: backlog.target == OutboxEndpointSetting.spoolTarget ? spool : backlog.target,
                state: backlog.disabledAt == nil ? "enabled" : "disabled", disabledAt: backlog.disabledAt.map(ISOTimestamp.string),
                disabledReason: backlog.disabledReason, events: endpoint?.webhook?.events.map(\.rawValue).sorted() ?? [],
                includeLabel: endpoint?.webhook?.includeLabel ?? false, pending: backlog.pending, dead: backlog.dead,
                oldestPendingSeconds: backlog.oldestPendingAt.map { Double(max(0, now - $0)) / 1000 })
        }
    }

    func webhooks() async throws -> Response {
        try JSONResponse.make(OutboxEndpointListReply(endpoints: try await outboxEndpoints()))
    }

    /// `GET /v1/outbox?state=pending|delivered|dead&endpoint=spool|webhook-N|N&limit=`.
    func outbox(query: Parameters) async throws -> Response {
        var stateFilter: String?
        if let name = query.get("state"), !name.isEmpty {
            guard ["pending", "delivered", "dead"].contains(name) else {
                throw ControlError.badRequest("unknown state '\(name)'; one of pending, delivered, dead")
            }
            stateFilter = name
        }
        var limit = 100
        if let text = query.get("limit") {
            guard let value = Int(text), (1...10_000).contains(value) else {
                throw ControlError.badRequest("limit must be a whole number from 1 to 10000")
            }
            limit = value
        }
        let backlog = try await outboxLog().outboxBacklog()
        let config = state.running.configuration.config
        let names = Dictionary(config.outboxEndpoints.map { ($0.target, $0.name) }, uniquingKeysWith: { first, _ in first })
        var endpointFilter: Int64?
        if let wanted = query.get("endpoint"), !wanted.isEmpty {
            let name = Int(wanted).map { "webhook-\($0)" } ?? wanted
            guard let target = config.outboxEndpoints.first(where: { $0.name == name })?.target,
                let id = backlog.first(where: { $0.target == target })?.id
            else {
                throw ControlError.notFound(
                    "no outbox endpoint '\(wanted)'; one of \(config.outboxEndpoints.map(\.name).joined(separator: ", "))")
            }
            endpointFilter = id
        }
        let records = try await outboxLog().outboxDeliveries(state: stateFilter, endpoint: endpointFilter, limit: limit)
        return try JSONResponse.make(
            OutboxListReply(
                deliveries: records.map { record in
                    OutboxDeliveryReply(
                        id: record.eventID, type: record.type, timestamp: ISOTimestamp.string(record.at), shipment: record.shipmentID,
                        endpoint: names[record.endpointTarget] ?? record.endpointTarget, state: record.state,
                        attempts: record.attempts,
                        nextAttemptAt: record.state == "pending" ? record.nextAttemptAt.map(ISOTimestamp.string) : nil,
                        deliveredAt: record.deliveredAt.map(ISOTimestamp.string), lastError: record.lastError)
                }))
    }

    /// `POST /v1/outbox/{id}/replay`: the event again, same id and body, to every endpoint
    /// it was for.
    func replay(eventID: String, peer: PeerCredentials, logger: Logger) async throws -> Response {
        let count: Int
        do {
            count = try await outboxLog().replayOutboxEvent(id: eventID, actor: .operator(uid: peer.uid), now: state.clock())
        } catch let error as StoreError where error.isNotFound {
            throw ControlError.notFound(error.message)
        }
        logger.notice("control: outbox replay \(eventID) to \(count) endpoints", metadata: ["relais.uid": "\(peer.uid)"])
        return try JSONResponse.make(OutboxActionReply(target: eventID, action: "replay", changed: count))
    }

    /// `POST /v1/webhooks/{n}/enable`: after a `410 Gone`; its pending events go at once.
    func enableWebhook(_ text: String, peer: PeerCredentials, logger: Logger) async throws -> Response {
        let config = state.running.configuration.config
        guard let number = Int(text), let webhook = config.webhooks.first(where: { $0.number == number }) else {
            throw ControlError.notFound("no webhook \(text); relais.toml has \(config.webhooks.count)")
        }
        guard let id = try await outboxLog().outboxBacklog().first(where: { $0.target == webhook.url })?.id else {
            throw ControlError.notFound("webhook \(number) has no records yet")
        }
        let changed = try await outboxLog().enableOutboxEndpoint(id: id, actor: .operator(uid: peer.uid), now: state.clock())
        logger.notice(
            "control: webhook-\(number) \(changed ? "enabled" : "was not disabled")", metadata: ["relais.uid": "\(peer.uid)"])
        return try JSONResponse.make(OutboxActionReply(target: "webhook-\(number)", action: "enable", changed: changed ? 1 : 0))
    }
}
