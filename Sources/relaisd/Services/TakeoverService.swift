import Logging
import RelaisCore
import RelaisPostgres
import ServiceLifecycle

/// On a shared PostgreSQL store, every third of a lease: the `booking` rows of a node that
/// stopped renewing its claims (crashed, cut off) become `uncertain`, to be reconciled,
/// never booked twice and never forgotten (SPEC §16). Every node runs it; `SKIP LOCKED`
/// keeps two nodes from taking the same row. It also forgets write tokens older than an
/// hour (``PostgresStore/pruneWriteTokens()``). A failed turn is logged and the next one
/// comes as usual.
struct TakeoverService: Service {
    static let name = "takeover"
    let store: PostgresStore
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        let interval = store.lease / 3
        while true {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            do {
                try await store.pruneWriteTokens()
                let taken = try await store.recoverExpiredClaims(now: clock.now())
                if !taken.isEmpty {
                    logger.warning(
                        "\(taken.count) shipments of a node whose lease expired: now uncertain (\(taken.prefix(5).joined(separator: ", "))\(taken.count > 5 ? ", …" : ""))",
                        metadata: ["relais.node": "\(store.node)"])
                }
            } catch {
                // The database may be failing over: try again at the next turn.
                logger.error("takeover of expired claims: \(PostgresStore.describe(error))")
            }
        }
    }
}
