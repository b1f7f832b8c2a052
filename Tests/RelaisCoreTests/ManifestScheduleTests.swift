import Foundation
import RelaisCore
import Testing

/// When a carrier's day closes at a site, and which pickup date a close is for (SPEC §14).
struct ManifestScheduleTests {
    static func service(_ cutoff: String, days: String = "mon-fri") -> CarrierService {
        Fixtures.service(
            "S\(cutoff)", zones: ZoneMap([("FR", [ZonePattern("FR")!])]), rates: [[Fixtures.money("5.00")]], bands: [30],
            transit: [TransitTimes(p50: 1)], defaultKm: [500], cutoff: cutoff, pickup: days)
    }

    static let monday = CivilDate("2026-11-30")!

    static func at(_ date: CivilDate, _ hhmm: String) -> LocalTime {
        LocalTime(date: date, minuteOfDay: TimeOfDay(hhmm)!.minuteOfDay)
    }

    @Test func theDayClosesAtTheLatestCutoffOfTheServicesPickingUpThatDay() {
        let schedule = ManifestSchedule(
            services: [Self.service("16:00"), Self.service("17:30"), Self.service("19:00", days: "sat")], siteCutoff: nil)
        #expect(schedule.closeTime(on: Self.monday) == TimeOfDay("17:30"))
        #expect(schedule.closeTime(on: Self.monday.adding(days: 5)) == TimeOfDay("19:00"))  // Saturday
        #expect(schedule.closeTime(on: Self.monday.adding(days: 6)) == nil)  // Sunday
        // The site's own handover time caps it.
        #expect(ManifestSchedule(services: [Self.service("17:30")], siteCutoff: TimeOfDay("12:00")).closeTime(on: Self.monday) == TimeOfDay("12:00"))
    }

    @Test func aCloseIsDueOnceTheCloseTimeHasComeAndNotTwice() {
        let schedule = ManifestSchedule(services: [Self.service("16:00")], siteCutoff: nil)
        #expect(schedule.dueClose(now: Self.at(Self.monday, "15:59"), lastClosed: nil) == nil)
        #expect(schedule.dueClose(now: Self.at(Self.monday, "16:00"), lastClosed: nil) == Self.monday)
        #expect(schedule.dueClose(now: Self.at(Self.monday, "23:00"), lastClosed: Self.monday.adding(days: -3)) == Self.monday)
        #expect(schedule.dueClose(now: Self.at(Self.monday, "16:30"), lastClosed: Self.monday) == nil)
        // No pickup on Sunday: nothing due.
        #expect(schedule.dueClose(now: Self.at(Self.monday.adding(days: 6), "18:00"), lastClosed: nil) == nil)
    }

    @Test func aCloseAfterTheDaysCloseIsForTheNextPickupDate() {
        let schedule = ManifestSchedule(services: [Self.service("16:00")], siteCutoff: nil)
        #expect(schedule.pickupDate(now: Self.at(Self.monday, "10:00"), after: nil) == Self.monday)
        #expect(schedule.pickupDate(now: Self.at(Self.monday, "10:00"), after: Self.monday) == Self.monday.adding(days: 1))
        // Friday closed: the next is Monday; Christmas (a Friday in 2026) is skipped.
        let friday = Self.monday.adding(days: 4)
        #expect(schedule.pickupDate(now: Self.at(friday, "17:00"), after: friday) == friday.adding(days: 3))
        let christmasEve = CivilDate("2026-12-24")!
        #expect(schedule.pickupDate(now: Self.at(christmasEve, "17:00"), after: christmasEve) == CivilDate("2026-12-28"))
        // Saturday without a pickup: Monday.
        #expect(schedule.pickupDate(now: Self.at(Self.monday.adding(days: 5), "09:00"), after: nil) == Self.monday.adding(days: 7))
    }
}
