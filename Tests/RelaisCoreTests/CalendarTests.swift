import Foundation
import Testing
@testable import RelaisCore

@Suite struct CivilDateTests {
    @Test(arguments: [
        ("1970-01-01", 0, Weekday.thursday), ("2000-02-29", 11_016, .tuesday), ("2026-11-23", 20_780, .monday),
        ("1969-12-31", -1, .wednesday),
    ])
    func dayNumbersAndWeekdays(text: String, dayNumber: Int, weekday: Weekday) {
        let date = CivilDate(text)!
        #expect(date.dayNumber == dayNumber)
        #expect(date.weekday == weekday)
        #expect(date.description == text)
    }

    /// Local days are 23 or 25 hours long across a time change (what allocations and
    /// report periods count in).
    @Test func localMidnightsAcrossTimeChanges() {
        let paris = TimeZone(identifier: "Europe/Paris")!
        // 2026-03-29: clocks go forward at 02:00; 2026-10-25: back at 03:00.
        let spring = CivilDate("2026-03-29")!
        #expect(spring.midnight(in: paris) == 1_774_738_800)  // 2026-03-28T23:00Z
        #expect(spring.adding(days: 1).midnight(in: paris) - spring.midnight(in: paris) == 23 * 3600)
        let autumn = CivilDate("2026-10-25")!
        #expect(autumn.adding(days: 1).midnight(in: paris) - autumn.midnight(in: paris) == 25 * 3600)
        #expect(CivilDate("2026-11-23")!.midnight(in: paris) == 1_795_388_400)  // 2026-11-22T23:00Z
        #expect(CivilDate("2026-11-23")!.midnight(in: TimeZone(identifier: "UTC")!) == 20_780 * 86_400)
    }

    /// Written digit by digit for years 0-9999, by the general path outside them.
    @Test(arguments: [
        (1, 1, 1, "0001-01-01"), (999, 12, 31, "0999-12-31"), (2026, 11, 30, "2026-11-30"), (9999, 12, 31, "9999-12-31"),
        (10_000, 1, 1, "10000-01-01"), (1900, 2, 28, "1900-02-28"),
    ])
    func descriptionsArePaddedISODates(year: Int, month: Int, day: Int, text: String) {
        let date = CivilDate(year: year, month: month, day: day)
        #expect(date.description == text)
        if year <= 9999 { #expect(CivilDate(text) == date) }
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00:00", ""])
    func impossibleOrMalformedDatesAreRefused(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test func roundTripsEveryDayOfFourCenturies() {
        var date = CivilDate(year: 1900, month: 1, day: 1)
        for _ in 0..<(146_097) {
            let (y, m, d) = date.components
            #expect(CivilDate(year: y, month: m, day: d) == date)
            date = date.adding(days: 1)
        }
    }
}

@Suite struct HolidayTests {
    @Test func easterSundays() {
        #expect(HolidayCalendar.easterSunday(year: 2026) == CivilDate("2026-04-05"))
        #expect(HolidayCalendar.easterSunday(year: 2027) == CivilDate("2027-03-28"))
        #expect(HolidayCalendar.easterSunday(year: 2038) == CivilDate("2038-04-25"))  // the latest possible
        #expect(HolidayCalendar.easterSunday(year: 2285) == CivilDate("2285-03-22"))  // the earliest possible
    }

    @Test(arguments: [
        // 2026: Easter Monday 6 Apr, Ascension 14 May, Whit Monday 25 May.
        "2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25", "2026-07-14",
        "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25",
        // 2027: Easter Monday 29 Mar, Ascension 6 May, Whit Monday 17 May.
        "2027-03-29", "2027-05-06", "2027-05-17",
    ])
    func frenchHolidays(date: String) {
        #expect(HolidayCalendar.france.isHoliday(CivilDate(date)!))
        #expect(!HolidayCalendar.none.isHoliday(CivilDate(date)!))
    }

    @Test(arguments: ["2026-04-05", "2026-04-07", "2026-05-13", "2026-12-24", "2026-12-26", "2027-04-05", "2027-05-25"])
    func ordinaryDays(date: String) {
        #expect(!HolidayCalendar.france.isHoliday(CivilDate(date)!))
    }
}

@Suite struct TimeTests {
    @Test func timestampsNeedAnOffset() {
        #expect(Timestamp.parse("2026-11-23T10:15:00+01:00") == 1_795_425_300)
        #expect(Timestamp.parse("2026-11-23T09:15:00Z") == 1_795_425_300)
        #expect(Timestamp.parse("2026-11-23T09:15:00.250Z") == 1_795_425_300)
        #expect(Timestamp.parse("2026-11-23T10:15+01:00") == 1_795_425_300)
        #expect(Timestamp.parse("2026-11-23T10:15:00") == nil)
        #expect(Timestamp.parse("2026-11-23") == nil)
        #expect(Timestamp.parse("2026-11-23T25:00:00Z") == nil)
        #expect(Timestamp.parse("2026-02-30T10:00:00Z") == nil)
    }

    @Test func localTimeFollowsTheSiteClockAcrossDST() {
        // 23:30 UTC on 28 March 2026 is 00:30 on the 29th in Paris (UTC+1, before the change).
        let winter = LocalTime(instant: Timestamp.parse("2026-03-28T23:30:00Z")!, in: Fixtures.paris)
        #expect(winter.date == CivilDate("2026-03-29"))
        #expect(winter.minuteOfDay == 30)
        // 16:00 UTC on 1 July is 18:00 in Paris (UTC+2).
        let summer = LocalTime(instant: Timestamp.parse("2026-07-01T16:00:00Z")!, in: Fixtures.paris)
        #expect(summer.minuteOfDay == 18 * 60)
    }

    @Test func weekdaySets() {
        #expect(WeekdaySet(parsing: "mon-fri")!.contains(.friday))
        #expect(!WeekdaySet(parsing: "mon-fri")!.contains(.saturday))
        #expect(WeekdaySet(parsing: "sat-mon")! == [WeekdaySet(.saturday), WeekdaySet(.sunday), WeekdaySet(.monday)])
        #expect(WeekdaySet(parsing: "mon,wed,fri")!.contains(.wednesday))
        #expect(WeekdaySet(parsing: "monday-friday") == nil)
        #expect(WeekdaySet(parsing: "") == nil)
    }
}

@Suite struct LocalDayTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    @Test func aLocalDayRunsFromMidnightToMidnightAcrossTimeChanges() {
        // 2026-03-29 10:00 Paris (after the spring change): a 23-hour day.
        let spring = LocalDay.containing(Instant(secondsSinceEpoch: 1_774_774_800), in: Self.paris)
        #expect(spring.date == CivilDate("2026-03-29"))
        #expect(spring.start == 1_774_738_800_000)
        #expect(spring.end - spring.start == 23 * 3_600_000)
        // 2026-11-23 00:30 Paris is still the 23rd, though it is the 22nd in UTC.
        let late = LocalDay.containing(Instant(millisecondsSinceEpoch: 1_795_388_400_000 + 1_800_000), in: Self.paris)
        #expect(late.date == CivilDate("2026-11-23"))
        #expect(late.start == 1_795_388_400_000)
    }
}
