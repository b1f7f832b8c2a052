import RelaisCore

/// The transactional outbox (SPEC §12): the endpoints in force, events due at each, what
/// each delivery attempt came to, and what operators see and do (backlog, replay, enable).
/// Events themselves are written by the store in the transaction of the change they
/// announce; this role reads and settles their deliveries.
public protocol OutboxLog: Sendable {
    func configureOutbox(endpoints: [OutboxEndpointSetting], trackingURLs: [String: String]) async throws -> [Int64]
    /// Claims up to `limit` events due at `endpoint` for one attempt each: oldest due
    /// first, and for each shipment only its earliest pending event (a later one waits while
    /// an earlier one is retried). A claimed event is not due again before `lease`
    /// milliseconds: long enough for the attempt's deadline, short enough that an attempt a
    /// crash cut short is made again soon after the restart.
    ///
    /// Nothing is due at a disabled endpoint. For several processes delivering one store's
    /// outbox (a shared store, SPEC §16); relaisd alone uses
    /// ``dueOutboxDeliveries(endpoint:now:limit:excluding:)``, which writes nothing.
    func claimOutboxDeliveries(endpoint: Int64, now: Int64, limit: Int, lease: Int64) async throws -> [OutboxDelivery]
    /// The events due at `endpoint`, as ``claimOutboxDeliveries(endpoint:now:limit:lease:)``
    /// finds them, without a lease: a read, no write. For the one process that delivers this
    /// store's outbox, which keeps the attempts under way (and the results not yet recorded)
    /// in memory and names them in `excluding`; a crash forgets them, and they are made again
    /// with the same id: at least once.
    func dueOutboxDeliveries(endpoint: Int64, now: Int64, limit: Int, excluding: Set<Int64>) async throws -> [OutboxDelivery]
    /// Records the attempts' results in one transaction.
    ///
    /// - Important: Call only once a delivery is durable at its endpoint (a spool file
    ///   fsync'd, a webhook answered 2xx): a crash before this commit re-sends the event with
    ///   the same id, at least once, never lost.
    func recordOutboxResults(_ results: [(OutboxDelivery, OutboxDeliveryResult)], now: Int64) async throws
    /// Events per delivery, newest first: `state` pending, delivered or dead; `endpoint`
    /// an endpoint id.
    func outboxDeliveries(state: String?, endpoint: Int64?, limit: Int) async throws -> [OutboxDeliveryRecord]
    /// The body of an event as written, if it exists.
    func outboxEventBody(id: String) async throws -> [UInt8]?
    func replayOutboxEvent(id: String, actor: Actor, now: Int64) async throws -> Int
    func enableOutboxEndpoint(id: Int64, actor: Actor, now: Int64) async throws -> Bool
    /// Every endpoint with its pending and dead counts and its oldest pending event; from
    /// the partial indexes, so a long delivered history costs nothing.
    func outboxBacklog() async throws -> [OutboxEndpointBacklog]
}
