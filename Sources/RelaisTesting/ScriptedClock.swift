import RelaisCore
import Synchronization

/// A wall clock a test moves by hand: nothing sleeps, nothing races the real clock.
public final class ScriptedClock: WallClock {
    private let current: Mutex<Instant>

    public init(_ start: Instant = Instant(millisecondsSinceEpoch: 1_790_000_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Instant { current.withLock { $0 } }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        current.withLock { $0 = $0 + duration }
    }

    /// Sets the clock to `instant` (tests may move it backwards, as an operator's clock can).
    public func set(_ instant: Instant) {
        current.withLock { $0 = instant }
    }
}
