/// Public holidays that carriers neither pick up nor deliver on, by calendar name.
///
/// A carrier service names its calendar in `carrier.toml` (`calendar = "FR"`). Holidays are
/// computed for any year, Easter-based ones with the anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher), so no table needs updating at New Year.
public enum HolidayCalendar: String, CaseIterable, Sendable {
    /// No public holidays: only the service's pickup and delivery days apply.
    case none = "none"
    /// France (metropolitan): 1 Jan, Easter Monday, 1 May, 8 May, Ascension, Whit Monday,
    /// 14 Jul, 15 Aug, 1 Nov, 11 Nov, 25 Dec.
    case france = "FR"

    /// Whether `date` is a public holiday of this calendar.
    public func isHoliday(_ date: CivilDate) -> Bool {
        switch self {
        case .none:
            return false
        case .france:
            let (year, month, day) = date.components
            switch (month, day) {
            case (1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25):
                return true
            default:
                break
            }
            // Easter-based holidays fall between 23 March (Easter Monday) and 14 June (Whit Monday).
            guard (3...6).contains(month) else { return false }
            let easter = Self.easterSunday(year: year)
            let offset = date.dayNumber - easter.dayNumber
            return offset == 1 || offset == 39 || offset == 50  // Easter Monday, Ascension, Whit Monday
        }
    }

    /// Easter Sunday of the Gregorian calendar (anonymous Gregorian algorithm).
    public static func easterSunday(year: Int) -> CivilDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CivilDate(year: year, month: month, day: day)
    }
}
