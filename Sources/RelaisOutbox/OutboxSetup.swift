import AsyncHTTPClient
import RelaisConfig
import RelaisRecords
import RelaisStore

/// The outbox of a configuration, ready to run: its endpoints put in force in the store
/// (so that events are written for them from now on) and their transports built.
public struct OutboxSetup: Sendable {
    public let endpoints: [OutboxService.Endpoint]
    /// The webhooks' own HTTP client, when there are webhooks: shut it down at exit.
    public let client: HTTPClient?

    /// - Throws: ``OutboxSetupError`` when a webhook has no secret this process could read,
    ///   or the spool's `out/` cannot be made; errors of the store.
    public static func make(config: DaemonConfig, trackingURLs: [String: String], store: any OutboxLog) async throws -> OutboxSetup {
        let named = config.outboxEndpoints
        for endpoint in named {
            if let webhook = endpoint.webhook, webhook.secrets.isEmpty {
                throw OutboxSetupError(
                    reason: "\(endpoint.name) (\(config.file ?? "relais.toml")): no secret could be read from credentials file '\(webhook.secretName)'")
            }
        }
        let ids = try await store.configureOutbox(
            endpoints: named.map { OutboxEndpointSetting(target: $0.target, events: $0.webhook?.events ?? []) },
            trackingURLs: trackingURLs)
        let webhooks = config.webhooks
        let client = webhooks.isEmpty ? nil : WebhookOutbox.makeClient(connectionsPerHost: webhooks.map(\.maxInFlight).max() ?? 8)
        var endpoints: [OutboxService.Endpoint] = []
        for (endpoint, id) in zip(named, ids) {
            if let webhook = endpoint.webhook, let client {
                endpoints.append(
                    .init(
                        id: id, name: endpoint.name, transport: WebhookOutbox(settings: webhook, client: client),
                        maxInFlight: webhook.maxInFlight))
            } else {
                let spool = SpoolOutbox(spool: config.paths.spool)
                do { try spool.prepare() } catch {
                    try? await client?.shutdown()
                    throw OutboxSetupError(reason: "\(spool.directory): cannot be made: \(error)")
                }
                endpoints.append(.init(id: id, name: endpoint.name, transport: spool, maxInFlight: 4))
            }
        }
        return OutboxSetup(endpoints: endpoints, client: client)
    }
}

/// Why the outbox cannot start.
public struct OutboxSetupError: Error, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
