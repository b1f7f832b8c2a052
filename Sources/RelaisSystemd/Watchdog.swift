import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// systemd's watchdog, fed by the work loops (``WatchdogSchedule`` has the rule).
///
/// Enabled when `$WATCHDOG_USEC` is set and `$WATCHDOG_PID`, if set, is this process.
public final class Watchdog: Sendable {
    private let notifier: SystemdNotifier
    private let schedule: Mutex<WatchdogSchedule?>
    public let isEnabled: Bool

    public init(notifier: SystemdNotifier, environment: [String: String], loops: Set<String>) {
        self.notifier = notifier
        let interval = environment["WATCHDOG_USEC"].flatMap(Int64.init) ?? 0
        let forUs = environment["WATCHDOG_PID"].flatMap(Int32.init).map { $0 == getpid() } ?? true
        isEnabled = interval > 0 && forUs && notifier.isEnabled
        schedule = Mutex(
            isEnabled ? WatchdogSchedule(intervalMicroseconds: interval, loops: loops, now: MonotonicClock.microseconds()) : nil)
    }

    /// Called by a loop each time round; cheap when nothing is due.
    public func beat(_ loop: String) {
        guard isEnabled else { return }
        let now = MonotonicClock.microseconds()
        if schedule.withLock({ $0?.beat(loop, now: now) ?? false }) { notifier.watchdog() }
    }

    /// Called by a loop that ends during a graceful stop.
    public func retire(_ loop: String) {
        guard isEnabled else { return }
        let now = MonotonicClock.microseconds()
        if schedule.withLock({ $0?.retire(loop, now: now) ?? false }) { notifier.watchdog() }
    }
}
