import RelaisTesting
import Testing
@testable import RelaisCore

@Suite struct CircuitBreakerTests {
    @Test func opensAfterTheThresholdAndHalfOpensOneCallAtATime() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: .milliseconds(1000))
        #expect(breaker.permit(now: 0) == .allowed)
        breaker.record(.unhealthy, now: 10)
        breaker.record(.unhealthy, now: 20)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
        breaker.record(.unhealthy, now: 30)
        #expect(breaker.state == .open(until: 1030))
        #expect(breaker.openings == 1)
        #expect(breaker.permit(now: 500) == .refused(until: 1030))
        #expect(!breaker.wouldPermit(now: 1029))
        // Half-open: one probe, the others wait for its outcome.
        #expect(breaker.permit(now: 1030) == .probe)
        #expect(breaker.permit(now: 1031) == .refused(until: nil))
        breaker.record(.unhealthy, now: 1100)
        #expect(breaker.state == .open(until: 2100))
        #expect(breaker.openings == 2)
        #expect(breaker.permit(now: 2100) == .probe)
        breaker.record(.healthy, now: 2150)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(breaker.permit(now: 2151) == .allowed)
    }

    @Test func aHealthyAnswerResetsTheCountAndLateNewsIsIgnored() {
        var breaker = CircuitBreaker(failureThreshold: 2, openDuration: .milliseconds(100))
        breaker.record(.unhealthy, now: 0)
        breaker.record(.healthy, now: 1)
        breaker.record(.unhealthy, now: 2)
        #expect(breaker.state == .closed(consecutiveFailures: 1))
        breaker.record(.unhealthy, now: 3)
        // A call started before the breaker opened reports success: the breaker stays open.
        breaker.record(.healthy, now: 4)
        #expect(breaker.state == .open(until: 103))
    }

    @Test func anAbandonedProbeLetsAnotherThrough() {
        var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .milliseconds(10))
        breaker.record(.unhealthy, now: 0)
        #expect(breaker.permit(now: 10) == .probe)
        breaker.probeAbandoned()
        #expect(breaker.permit(now: 11) == .probe)
    }
}

@Suite struct BackoffTests {
    @Test func doublesFromTheMinimumAndIsClamped() {
        let backoff = Backoff(minimum: .seconds(10), maximum: .seconds(600))
        #expect(backoff.delay(afterFailures: 1, jitter: 1) == .milliseconds(10_000))
        #expect(backoff.delay(afterFailures: 2, jitter: 1) == .milliseconds(20_000))
        #expect(backoff.delay(afterFailures: 4, jitter: 1) == .milliseconds(80_000))
        #expect(backoff.delay(afterFailures: 7, jitter: 1) == .milliseconds(600_000))
        #expect(backoff.delay(afterFailures: 500, jitter: 1) == .milliseconds(600_000))
    }

    @Test(arguments: [0.0, 0.25, 0.5, 1.0])
    func jitterStaysBetweenHalfAndTheFullDelay(jitter: Double) {
        let backoff = Backoff(minimum: .seconds(1), maximum: .seconds(60))
        let delay = backoff.delay(afterFailures: 3, jitter: jitter).wholeMilliseconds
        #expect((2000...4000).contains(delay))
        #expect(delay == Int64((4000 * (0.5 + 0.5 * jitter)).rounded()))
    }
}

@Suite struct RateLimiterTests {
    @Test func allowsTheRateWithSmallBursts() {
        var limiter = RateLimiter(ratePerSecond: 100, burst: 5)
        var taken = 0
        for _ in 0..<20 where limiter.take(now: 0) { taken += 1 }
        #expect(taken == 5)
        #expect(limiter.nextToken(now: 0) == 10)
        let early = limiter.take(now: 9)
        let onTime = limiter.take(now: 10)
        #expect(!early)
        #expect(onTime)
        // One second later: 100 more, but never more than the burst at once.
        taken = 0
        for _ in 0..<200 where limiter.take(now: 1010) { taken += 1 }
        #expect(taken == 5)
    }
}
