import RelaisCore
import Foundation
import RelaisStore

/// `relaisctl report emissions --month YYYY-MM`: the month's booked shipments per carrier
/// and service, with their tonne-km and well-to-wheel CO2e (SPEC §8, ISO 14083 shape), the
/// data quality level the figures rest on, and the method.
///
/// Figures are the ones recorded at decision time for the service each shipment went to:
/// a panel edited since does not rewrite history.
public struct EmissionsReport: Sendable {
    public struct Line: Hashable, Sendable {
        public var carrier: String
        public var service: String
        public var shipments = 0
        public var parcels = 0
        public var tonneKm = 0.0
        public var co2eGrams = 0.0
        /// The lowest and highest data quality level among its shipments.
        public var dataQuality: ClosedRange<Int>?
        /// Shipments whose distance is great-circle × 1.05, and zone defaults.
        public var greatCircle = 0
        public var zoneDefault = 0
        /// Shipments recorded before distances and weights were: in CO2e, not in tonne-km.
        public var withoutTonneKm = 0
        /// Shipments whose record has no CO2e figure for their service: counted, not added.
        public var withoutCO2e = 0

        mutating func add(_ booked: BookedShipment) {
            shipments += 1
            parcels += booked.parcels ?? 0
            guard let emissions = booked.emissions else {
                withoutCO2e += 1
                return
            }
            co2eGrams += emissions.co2eGrams
            if let tkm = emissions.tonneKm { tonneKm += tkm } else { withoutTonneKm += 1 }
            switch emissions.distanceBasis {
            case .greatCircle: greatCircle += 1
            case .zoneDefault: zoneDefault += 1
            case nil: break
            }
            let q = emissions.dataQuality
            dataQuality = dataQuality.map { min($0.lowerBound, q)...max($0.upperBound, q) } ?? q...q
        }

        mutating func add(_ other: Line) {
            shipments += other.shipments
            parcels += other.parcels
            tonneKm += other.tonneKm
            co2eGrams += other.co2eGrams
            greatCircle += other.greatCircle
            zoneDefault += other.zoneDefault
            withoutTonneKm += other.withoutTonneKm
            withoutCO2e += other.withoutCO2e
            if let q = other.dataQuality {
                dataQuality = dataQuality.map { min($0.lowerBound, q.lowerBound)...max($0.upperBound, q.upperBound) } ?? q
            }
        }

        /// Its figures as `relaisctl report emissions` prints them: carrier, service, shipments,
        /// parcels, tonne-km, CO2e kg, data quality.
        public func cells(style: NumberStyle = .neutral) -> [String] {
            [
                carrier, service, style.integer(shipments), style.integer(parcels), style.fixed(tonneKm, 3),
                style.fixed(co2eGrams / 1000, 3), dataQualityText,
            ]
        }

        /// How its distances were found: `great-circle 3, zone default 2`, and what is missing.
        public func distanceText(style: NumberStyle = .neutral) -> String {
            var text = "great-circle \(style.integer(greatCircle)), zone default \(style.integer(zoneDefault))"
            if withoutTonneKm > 0 { text += ", unrecorded \(style.integer(withoutTonneKm))" }
            if withoutCO2e > 0 { text += "; no CO2e figure \(style.integer(withoutCO2e))" }
            return text
        }

        /// `2`, or `1–3` when its shipments rest on different levels.
        public var dataQualityText: String {
            guard let q = dataQuality else { return "" }
            return q.lowerBound == q.upperBound ? "\(q.lowerBound)" : "\(q.lowerBound)–\(q.upperBound)"
        }
    }

    /// One booking day of the period: its shipments and their CO2e.
    public struct Day: Hashable, Sendable {
        public var day: CivilDate
        public var shipments = 0
        public var co2eGrams = 0.0
    }

    /// One calendar month of the period: its shipments and their CO2e, per carrier and service.
    public struct Month: Hashable, Sendable {
        /// `2026-11`.
        public var month: String
        public var shipments = 0
        public var co2eGrams = 0.0
        public var co2eGramsByService: [ServiceKey: Double] = [:]

        /// Month, shipments, CO2e kg, as the text form prints them.
        public func cells(style: NumberStyle = .neutral) -> [String] {
            [month, style.integer(shipments), style.fixed(co2eGrams / 1000, 3)]
        }
    }

    public var period: String
    public var method: String { ShipmentEmissions.method }
    /// By carrier, then service.
    public var lines: [Line]
    public var total: Line
    /// Every day of the period, in order, days without shipments included.
    public var days: [Day]
    /// Every month of the period, in order, months without shipments included.
    public var months: [Month]

    /// Adds up every shipment booked in `period` (and still booked) from one snapshot.
    public init(history: any RecordHistory, period: ReportPeriod) async throws {
        var lines: [ServiceKey: Line] = [:]
        var days: [CivilDate: Day] = [:]
        struct MonthService: Hashable { var month: String, service: ServiceKey }
        var byMonth: [MonthService: Double] = [:]
        try await history.forEachBooked(bookedFrom: period.startMilliseconds, until: period.endMilliseconds) { booked in
            lines[booked.key, default: Line(carrier: booked.key.carrier, service: booked.key.service)].add(booked)
            let day = LocalTime(instant: booked.bookedAt / 1000, in: period.timeZone).date
            days[day, default: Day(day: day)].shipments += 1
            days[day, default: Day(day: day)].co2eGrams += booked.emissions?.co2eGrams ?? 0
            byMonth[MonthService(month: Self.month(of: day), service: booked.key), default: 0] += booked.emissions?.co2eGrams ?? 0
        }
        if let first = period.first, let last = period.last, first <= last {
            for number in first.dayNumber...last.dayNumber {
                let day = CivilDate(dayNumber: number)
                if days[day] == nil { days[day] = Day(day: day) }
            }
        }
        self.days = days.values.sorted { $0.day < $1.day }
        var months: [Month] = []
        for day in self.days {
            let month = Self.month(of: day.day)
            if months.last?.month != month { months.append(Month(month: month)) }
            months[months.count - 1].shipments += day.shipments
            months[months.count - 1].co2eGrams += day.co2eGrams
        }
        for (key, grams) in byMonth {
            if let index = months.firstIndex(where: { $0.month == key.month }) { months[index].co2eGramsByService[key.service] = grams }
        }
        self.months = months
        self.period = period.description
        self.lines = lines.sorted { $0.key < $1.key }.map(\.value)
        var total = Line(carrier: "total", service: "")
        for line in self.lines { total.add(line) }
        self.total = total
    }
}

extension EmissionsReport {
    /// `2026-11`.
    static func month(of day: CivilDate) -> String { String(day.description.prefix(7)) }
}

extension EmissionsReport: Encodable {
    enum CodingKeys: String, CodingKey { case period, method, lines, total, days, months }

    enum MonthKeys: String, CodingKey { case month, shipments, co2eKg = "co2e_kg", services }

    enum DayKeys: String, CodingKey { case day, shipments, co2eKg = "co2e_kg" }

    enum LineKeys: String, CodingKey {
        case carrier, service, shipments, parcels, tonneKm = "tonne_km", co2eKg = "co2e_kg", dataQuality = "data_quality"
        case dataQualityMin = "data_quality_min", dataQualityMax = "data_quality_max", method
        case greatCircle = "distance_great_circle", zoneDefault = "distance_zone_default", withoutTonneKm = "without_tonne_km"
        case withoutCO2e = "without_co2e"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(period, forKey: .period)
        try c.encode(method, forKey: .method)
        var list = c.nestedUnkeyedContainer(forKey: .lines)
        for line in lines { try encode(line, into: list.nestedContainer(keyedBy: LineKeys.self)) }
        try encode(total, into: c.nestedContainer(keyedBy: LineKeys.self, forKey: .total))
        var dayList = c.nestedUnkeyedContainer(forKey: .days)
        for day in days {
            var d = dayList.nestedContainer(keyedBy: DayKeys.self)
            try d.encode(day.day.description, forKey: .day)
            try d.encode(day.shipments, forKey: .shipments)
            try d.encode(day.co2eGrams.rounded() / 1000, forKey: .co2eKg)
        }
        var monthList = c.nestedUnkeyedContainer(forKey: .months)
        for month in months {
            var m = monthList.nestedContainer(keyedBy: MonthKeys.self)
            try m.encode(month.month, forKey: .month)
            try m.encode(month.shipments, forKey: .shipments)
            try m.encode(month.co2eGrams.rounded() / 1000, forKey: .co2eKg)
            try m.encode(
                Dictionary(uniqueKeysWithValues: month.co2eGramsByService.map { ($0.key.description, $0.value.rounded() / 1000) }),
                forKey: .services)
        }
    }

    func encode(_ line: Line, into container: KeyedEncodingContainer<LineKeys>) throws {
        var c = container
        try c.encode(line.carrier, forKey: .carrier)
        try c.encode(line.service, forKey: .service)
        try c.encode(line.shipments, forKey: .shipments)
        try c.encode(line.parcels, forKey: .parcels)
        try c.encode((line.tonneKm * 1000).rounded() / 1000, forKey: .tonneKm)
        try c.encode(line.co2eGrams.rounded() / 1000, forKey: .co2eKg)
        try c.encode(line.dataQualityText, forKey: .dataQuality)
        try c.encode(line.dataQuality?.lowerBound, forKey: .dataQualityMin)
        try c.encode(line.dataQuality?.upperBound, forKey: .dataQualityMax)
        try c.encode(method, forKey: .method)
        try c.encode(line.greatCircle, forKey: .greatCircle)
        try c.encode(line.zoneDefault, forKey: .zoneDefault)
        try c.encode(line.withoutTonneKm, forKey: .withoutTonneKm)
        try c.encode(line.withoutCO2e, forKey: .withoutCO2e)
    }
}
