import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisOutbox
@testable import RelaisRecords

/// The retry schedule of SPEC §12 played with a scripted clock: no sleeps, no sockets.
@Suite struct DeliveryScheduleTests {
    static let second: Int64 = 1000
    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
    static let expected: [Int64] = [
        5 * second, 300 * second, 1800 * second, 7200 * second, 18_000 * second, 36_000 * second, 50_400 * second,
        72_000 * second, 86_400 * second,
    ]

    @Test func anEndpointThatNeverAnswersGetsTheWholeScheduleThenDead() {
        let schedule = DeliverySchedule()
        var now: Int64 = 1_795_425_300_000
        var attempts = 0
        var waits: [Int64] = []
        while true {
            let result = schedule.result(of: .failed("HTTP 503"), attemptsBefore: attempts, now: now, draw: 0)
            attempts += 1
            guard case .retry(let at, let error) = result else {
                #expect(result == .dead(error: "HTTP 503 (attempt 10, the last of the schedule)"))
                break
            }
            #expect(error == "HTTP 503")
            waits.append(at - now)
            now = at  // the scripted clock jumps to the next attempt
        }
        #expect(waits == Self.expected)
        #expect(attempts == 10)
        // About 75.6 hours from the first attempt to the last.
        #expect(waits.reduce(0, +) == 272_105 * Self.second)
    }

    @Test(arguments: [-1.0, -0.5, 0.0, 0.5, 1.0, 7.0])
    func jitterStaysWithinTenPercent(draw: Double) {
        let schedule = DeliverySchedule()
        for (index, delay) in Self.expected.enumerated() {
            guard case .retry(let at, _) = schedule.result(of: .failed("timeout"), attemptsBefore: index, now: 0, draw: draw) else {
                Issue.record("attempt \(index + 1) was not retried")
                continue
            }
            let low = delay - delay / 10
            let high = delay + delay / 10
            #expect((low...high).contains(at), "attempt \(index + 1): \(at) outside \(low)…\(high)")
            if draw == 1 { #expect(at == high) }
            if draw == -1 { #expect(at == low) }
        }
    }

    @Test func deliveredAndGoneAreNotRetried() {
        let schedule = DeliverySchedule()
        #expect(schedule.result(of: .delivered, attemptsBefore: 8, now: 5, draw: 0) == .delivered)
        #expect(schedule.result(of: .gone("HTTP 410"), attemptsBefore: 0, now: 5, draw: 0) == .gone(error: "HTTP 410"))
    }
}
