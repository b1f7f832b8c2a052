import GRDB
import RelaisStore
import Synchronization

/// The status counts as of the latest commit: `GET /v1/status` and `/metrics` read SQLite
/// again only when something was committed since the counts were last read.
///
/// - Important: Why: a monitoring agent, a dashboard and the booking benchmark's probe ask
///   for status far more often than a busy daemon commits (a booking commit group every
///   10–40 ms against a probe every 2 ms). Each read was four queries in a read transaction,
///   about 15 % of a status request's CPU. The counts are exactly what a read would return:
///   every commit of this process's writer (the only writer of its database: SPEC §16, one
///   node on SQLite) moves ``commits`` on, and counts read while it stands still are the
///   counts of the latest commit.
final class CommittedCounts: TransactionObserver, Sendable {
    /// Commits of the writer since the store opened.
    private let commits = Atomic<UInt64>(0)
    /// The counts last read, and the number of commits seen just before reading them.
    private let latest = Mutex<(commits: UInt64, counts: StatusCounts)?>(nil)

    /// The cached counts when no commit happened since they were read; otherwise `read()`'s,
    /// kept for the next caller.
    ///
    /// A commit landing between the check and the read gives counts newer than the number
    /// they are kept with: the next caller then reads again. Never older.
    func counts(_ read: () async throws -> StatusCounts) async rethrows -> StatusCounts {
        let seen = commits.load(ordering: .acquiring)
        if let latest = latest.withLock({ $0 }), latest.commits == seen { return latest.counts }
        let counts = try await read()
        latest.withLock { latest in
            // Keep the most recent of concurrent readers' counts.
            if latest.map({ $0.commits <= seen }) ?? true { latest = (seen, counts) }
        }
        return counts
    }

    // MARK: TransactionObserver

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.add(1, ordering: .releasing) }
    func databaseDidRollback(_ db: Database) {}
}
