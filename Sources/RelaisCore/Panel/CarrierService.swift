/// One product of a carrier (`[[service]]` of carrier.toml, SPEC §5).
public struct CarrierService: Hashable, Sendable {
    /// The carrier's product code, sent in the booking.
    public var code: String
    public var name: String
    public var mode: DeliveryMode
    /// Sites this service collects from, as zone patterns on the site's address; empty
    /// means any. A local courier serves its own city only (a failing origin is `coverage`).
    public var origins: [ZonePattern]
    public var maxWeightKg: Double
    public var maxLengthCm: Double
    public var maxGirthCm: Double
    public var volumetricDivisor: Double
    /// Site-local; a ready time after it is picked up the next pickup day.
    public var cutoff: TimeOfDay
    public var pickupDays: WeekdaySet
    public var deliveryDays: WeekdaySet
    public var calendar: HolidayCalendar
    public var rates: RateTable
    /// The fuel surcharge in parts per 100,000 of the rate: 16.5 % is 16_500, so the
    /// surcharge is exact integer arithmetic on cents.
    public var fuelSurchargePer100k: Int64
    /// Transit time per zone, indexed by ``ZoneID``; nil where the service does not go.
    public var transit: [TransitTimes?]
    /// Road distance per zone used when coordinates are missing, indexed by ``ZoneID``.
    public var defaultKm: [Double?]
    /// `return` services carry parcels back from customers (SPEC §14); set after `init`.
    public var direction: Direction = .outbound

    public init(
        code: String, name: String, mode: DeliveryMode, origins: [ZonePattern] = [], maxWeightKg: Double, maxLengthCm: Double,
        maxGirthCm: Double, volumetricDivisor: Double, cutoff: TimeOfDay, pickupDays: WeekdaySet,
        deliveryDays: WeekdaySet, calendar: HolidayCalendar, rates: RateTable, fuelSurchargePct: Double,
        transit: [TransitTimes?], defaultKm: [Double?]
    ) {
        self.code = code
        self.name = name
        self.mode = mode
        self.origins = origins
        self.maxWeightKg = maxWeightKg
        self.maxLengthCm = maxLengthCm
        self.maxGirthCm = maxGirthCm
        self.volumetricDivisor = volumetricDivisor
        self.cutoff = cutoff
        self.pickupDays = pickupDays
        self.deliveryDays = deliveryDays
        self.calendar = calendar
        self.rates = rates
        self.fuelSurchargePer100k = Int64((fuelSurchargePct * 1000).rounded())
        self.transit = transit
        self.defaultKm = defaultKm
    }

    /// Whether the service collects from `site`.
    public func collects(from site: Site) -> Bool {
        origins.isEmpty
            || origins.contains { $0.matches(Destination(country: site.country, postcode: site.postcode)) }
    }

    /// The fuel surcharge as a percentage, for display.
    public var fuelSurchargePct: Double { Double(fuelSurchargePer100k) / 1000 }

    /// rate × (1 + fuel%/100), rounded half-up to the cent (SPEC §7.2).
    @inlinable
    public func priceWithSurcharge(_ rate: Money) -> Money {
        Money(
            minorUnits: FixedPoint.divideRoundingHalfUp(
                rate.minorUnits * (100_000 + fuelSurchargePer100k), by: 100_000))
    }
}
