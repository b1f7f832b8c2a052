import Testing

@testable import RelaisSystemd

@Suite struct WatchdogScheduleTests {
    @Test func pingsOnlyWhenEveryLoopHasBeaten() {
        var schedule = WatchdogSchedule(intervalMicroseconds: 4_000_000, loops: ["intake", "booking"], now: 0)
        #expect(schedule.beat("intake", now: 2_000_000) == false)
        // Booking has not gone round: no ping, however long it takes.
        #expect(schedule.beat("intake", now: 3_000_000) == false)
        #expect(schedule.beat("booking", now: 3_100_000) == true)
        // Both must beat again after a ping.
        #expect(schedule.beat("booking", now: 5_000_000) == false)
        #expect(schedule.beat("intake", now: 5_000_001) == true)
    }

    @Test func pingsAtMostEveryQuarterInterval() {
        var schedule = WatchdogSchedule(intervalMicroseconds: 4_000_000, loops: ["booking"], now: 0)
        #expect(schedule.beat("booking", now: 500_000) == false)
        #expect(schedule.beat("booking", now: 999_999) == false)
        #expect(schedule.beat("booking", now: 1_000_000) == true)
        #expect(schedule.beat("booking", now: 1_500_000) == false)
    }

    @Test func aRetiredLoopIsNoLongerWaitedFor() {
        var schedule = WatchdogSchedule(intervalMicroseconds: 4_000_000, loops: ["intake", "booking"], now: 0)
        #expect(schedule.beat("booking", now: 2_000_000) == false)
        #expect(schedule.retire("intake", now: 2_000_001) == true)
        #expect(schedule.beat("booking", now: 3_500_000) == true)
    }
}
