import RelaisRecords
import RelaisStore

/// When an event is tried again at an endpoint after a failed attempt (SPEC §12): 5 s,
/// 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h, each ± 10 % jitter, then `dead`.
/// `410 Gone` disables the endpoint and keeps the event pending.
///
/// A value with no clock and no randomness of its own: the time and the jitter draw are
/// arguments, so that the whole schedule is tested with a scripted clock.
public struct DeliverySchedule: Hashable, Sendable {
    /// Delays after the 1st, 2nd, … failed attempt, in milliseconds.
    public var delays: [Int64]
    /// ± this share of each delay, so that endpoints coming back do not get every event at once.
    public var jitter: Double

    public init(delays: [Int64] = DeliverySchedule.standardDelays, jitter: Double = 0.1) {
        self.delays = delays
        self.jitter = jitter
    }

    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (SPEC §12), in milliseconds.
    public static let standardDelays: [Int64] = [
        5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
    ]

    /// What an attempt came to at the endpoint.
    public enum Outcome: Hashable, Sendable {
        /// 2xx, or the spool file durable.
        case delivered
        /// Any other status, a timeout, a refused connection, a write error: why.
        case failed(String)
        /// `410 Gone`.
        case gone(String)
    }

    /// What to record after an attempt.
    /// - Parameters:
    ///   - attemptsBefore: attempts made before this one.
    ///   - draw: a number in -1…1 (uniform in production) scaling the jitter.
    public func result(of outcome: Outcome, attemptsBefore: Int, now: Int64, draw: Double) -> OutboxDeliveryResult {
        switch outcome {
        case .delivered:
            return .delivered
        case .gone(let why):
            return .gone(error: why)
        case .failed(let why):
            let failures = attemptsBefore + 1
            guard failures <= delays.count else {
                return .dead(error: "\(why) (attempt \(failures), the last of the schedule)")
            }
            let delay = Double(delays[failures - 1])
            let jittered = delay * (1 + jitter * min(1, max(-1, draw)))
            return .retry(at: now + Int64(jittered.rounded()), error: why)
        }
    }
}
