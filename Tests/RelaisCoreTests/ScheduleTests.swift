import Testing
@testable import RelaisCore

/// Pickup dates and ETAs (SPEC §8) for alpha/A1: cutoff 17:30, pickup mon-fri, delivery
/// mon-sat, FR holidays.
@Suite struct ScheduleTests {
    let service = Fixtures.alpha.services[0]

    func ready(_ date: String, _ time: String) -> LocalTime {
        LocalTime(date: CivilDate(date)!, minuteOfDay: TimeOfDay(time)!.minuteOfDay)
    }

    @Test func readyExactlyAtTheCutoffMinuteIsPickedUpThatDay() {
        #expect(service.pickupDate(ready: ready("2026-11-23", "17:30")) == CivilDate("2026-11-23"))
    }

    @Test func oneMinuteAfterTheCutoffIsPickedUpTheNextPickupDay() {
        #expect(service.pickupDate(ready: ready("2026-11-23", "17:31")) == CivilDate("2026-11-24"))
        // Friday evening → Monday.
        #expect(service.pickupDate(ready: ready("2026-11-27", "17:31")) == CivilDate("2026-11-30"))
    }

    @Test func weekendReadyDatesWaitForMonday() {
        #expect(service.pickupDate(ready: ready("2026-11-28", "08:00")) == CivilDate("2026-11-30"))
    }

    /// Thursday 24 December 2026 after the cutoff: Friday 25 is Christmas, then a weekend,
    /// so the parcel leaves on Monday 28; p50 = 1 delivery day → Tuesday 29.
    @Test func christmasBridge() {
        let pickup = service.pickupDate(ready: ready("2026-12-24", "18:00"))
        #expect(pickup == CivilDate("2026-12-28"))
        let eta = service.eta(pickup: pickup, transit: TransitTimes(p50: 1, p90: 2, p99: 3))
        #expect(eta.p50 == CivilDate("2026-12-29"))
        #expect(eta.p90 == CivilDate("2026-12-30"))
        #expect(eta.p99 == CivilDate("2026-12-31"))
    }

    /// Wednesday 23 December, before the cutoff: picked up that day; one delivery day is
    /// Thursday 24, two skip Christmas to Saturday 26, three skip Sunday to Monday 28.
    @Test func deliveryDaysSkipHolidaysAndSundays() {
        let pickup = service.pickupDate(ready: ready("2026-12-23", "09:00"))
        #expect(pickup == CivilDate("2026-12-23"))
        let eta = service.eta(pickup: pickup, transit: TransitTimes(p50: 1, p90: 2, p99: 3))
        #expect(eta.p50 == CivilDate("2026-12-24"))
        #expect(eta.p90 == CivilDate("2026-12-26"))
        #expect(eta.p99 == CivilDate("2026-12-28"))
    }

    /// Easter 2027: Friday 26 March after the cutoff → Easter Monday 29 March is a holiday →
    /// picked up Tuesday 30.
    @Test func easterMondayIsNoPickupDay() {
        #expect(service.pickupDate(ready: ready("2027-03-26", "18:00")) == CivilDate("2027-03-30"))
    }

    @Test func sameDayTransitDeliversOnThePickupDate() {
        let eta = service.eta(pickup: CivilDate("2026-11-23")!, transit: TransitTimes(p50: 0, p90: 1))
        #expect(eta.p50 == CivilDate("2026-11-23"))
        #expect(eta.p90 == CivilDate("2026-11-24"))
        #expect(eta.p99 == CivilDate("2026-11-24"))  // p99 defaults to p90
    }
}
