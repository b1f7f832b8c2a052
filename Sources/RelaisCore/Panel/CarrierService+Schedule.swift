extension CarrierService {
    /// The first day the carrier collects: the ready date itself if it is a pickup day, not
    /// a holiday, and the ready time is not after the cutoff; else the next such day (SPEC §8).
    ///
    /// - Parameter siteCutoff: the origin's own handover time, when earlier than the cutoff.
    public func pickupDate(ready: LocalTime, siteCutoff: TimeOfDay? = nil) -> CivilDate {
        let cutoff = siteCutoff.map { min($0, self.cutoff) } ?? self.cutoff
        if isPickupDay(ready.date), ready.minuteOfDay <= cutoff.minuteOfDay { return ready.date }
        var day = ready.date
        // A non-empty weekday set and at most a few consecutive holidays: ends within weeks.
        for _ in 0..<370 {
            day = day.adding(days: 1)
            if isPickupDay(day) { return day }
        }
        return day
    }

    /// The pickup date plus `days` delivery days, holidays skipped; 0 is same-day delivery.
    public func deliveryDate(pickup: CivilDate, transitDays days: Int) -> CivilDate {
        var day = pickup
        var remaining = days
        while remaining > 0 {
            day = day.adding(days: 1)
            if deliveryDays.contains(day.weekday), !calendar.isHoliday(day) { remaining -= 1 }
        }
        return day
    }

    /// The transit, in delivery days, of a parcel picked up on `pickup` and delivered on
    /// `delivered`: the fewest delivery days N whose ``deliveryDate(pickup:transitDays:)`` is
    /// not before `delivered`, so that N ≤ a declared transit exactly when the parcel came by
    /// the ETA that transit gives. Delivered on the pickup date or before: 0. Delivered on a
    /// day the carrier does not deliver (a Sunday, a holiday) counts as its next delivery day.
    public func transitDays(pickup: CivilDate, delivered: CivilDate) -> Int {
        guard delivered > pickup else { return 0 }
        var days = 1
        for number in (pickup.dayNumber + 1)..<delivered.dayNumber {
            let day = CivilDate(dayNumber: number)
            if deliveryDays.contains(day.weekday), !calendar.isHoliday(day) { days += 1 }
        }
        return days
    }

    /// ETAs at p50, p90 and p99 for `transit` from the pickup date.
    public func eta(pickup: CivilDate, transit: TransitTimes) -> ETA {
        let p50 = deliveryDate(pickup: pickup, transitDays: transit.p50)
        let p90 = transit.p90 == transit.p50 ? p50 : deliveryDate(pickup: pickup, transitDays: transit.p90)
        let p99 = transit.p99 == transit.p90 ? p90 : deliveryDate(pickup: pickup, transitDays: transit.p99)
        return ETA(p50: p50, p90: p90, p99: p99)
    }

    /// Whether the carrier collects on `day`: a pickup weekday, not a holiday.
    @inlinable
    public func isPickupDay(_ day: CivilDate) -> Bool {
        pickupDays.contains(day.weekday) && !calendar.isHoliday(day)
    }
}
