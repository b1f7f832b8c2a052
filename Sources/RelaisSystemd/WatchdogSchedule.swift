/// When to tell systemd's watchdog the daemon is alive, as a value: the rule, without a
/// socket or a clock.
///
/// Rule: `WATCHDOG=1` is sent only when **every** live work loop has made progress since
/// the last ping, and at most every quarter of `WatchdogSec`. A loop that hangs (a store
/// that never answers, a deadlock) therefore stops the pings, and systemd restarts the
/// daemon; a timer of its own would keep pinging a daemon that no longer works.
public struct WatchdogSchedule: Hashable, Sendable {
    /// `WATCHDOG_USEC`.
    public let intervalMicroseconds: Int64
    /// The loops that must beat between pings.
    public private(set) var loops: Set<String>
    private var beaten: Set<String> = []
    private var lastPing: Int64

    public init(intervalMicroseconds: Int64, loops: Set<String>, now: Int64) {
        self.intervalMicroseconds = intervalMicroseconds
        self.loops = loops
        self.lastPing = now
    }

    /// A loop went round. Returns true when a ping is due now.
    public mutating func beat(_ loop: String, now: Int64) -> Bool {
        beaten.insert(loop)
        return pingIfDue(now: now)
    }

    /// A loop ended on purpose (a graceful stop): the others no longer wait for it.
    public mutating func retire(_ loop: String, now: Int64) -> Bool {
        loops.remove(loop)
        beaten.remove(loop)
        return pingIfDue(now: now)
    }

    private mutating func pingIfDue(now: Int64) -> Bool {
        guard now - lastPing >= intervalMicroseconds / 4, loops.isSubset(of: beaten) else { return false }
        lastPing = now
        beaten = []
        return true
    }
}
