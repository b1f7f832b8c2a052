import Foundation
import RelaisCore
import RelaisStore

/// `relaisctl report carriers --since DATE`: per carrier, bookings and their share, the
/// mean price (as decided, and as the carrier charged when its replies say), failed
/// attempts by class, breaker openings, and how its daily figures stood against the
/// policy's allocation limits.
public struct CarrierReport: Sendable {
    public struct Line: Hashable, Sendable {
        public var carrier: String
        public var bookings = 0
        /// Of all bookings in the period, 0…1.
        public var share = 0.0
        public var meanPrice: Money?
        public var meanCarrierPrice: Money?
        public var attempts = 0
        public var failures: [FailureClass: Int] = [:]
        public var breakerOpenings = 0
        public var maxShare: Double?
        public var dailyCap: Int?
        /// Its busiest site-day: bookings that day at that site.
        public var peakDay: (site: String, day: CivilDate, bookings: Int)?
        /// Site-days where it went over `max_share` (once 20 were booked there) or `daily_cap`.
        public var daysOverShare = 0
        public var daysOverCap = 0
        /// Its shipments booked in the period, delivered or not, as the promise report
        /// measures them (all its services and zones together).
        public var promise: PromiseReport.Line

        public static func == (lhs: Line, rhs: Line) -> Bool {
            lhs.carrier == rhs.carrier && lhs.bookings == rhs.bookings && lhs.failures == rhs.failures && lhs.promise == rhs.promise
                && lhs.breakerOpenings == rhs.breakerOpenings && lhs.daysOverShare == rhs.daysOverShare
                && lhs.daysOverCap == rhs.daysOverCap && lhs.peakDay?.bookings == rhs.peakDay?.bookings
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(carrier) }

        /// Its figures as `relaisctl report carriers` prints them, in ``CarrierReport/columns``
        /// order; `-` where there is no figure.
        public func cells(style: NumberStyle = .neutral) -> [String] {
            [
                carrier, style.integer(bookings), style.percent(share), meanPrice.map(style.money) ?? "-",
                meanCarrierPrice.map(style.money) ?? "-", style.integer(attempts), style.integer(failures[.transient] ?? 0),
                style.integer(failures[.permanent] ?? 0), style.integer(failures[.unknownOutcome] ?? 0),
                style.integer(breakerOpenings), maxShare.map { style.percent($0) } ?? "-", style.integer(daysOverShare),
                dailyCap.map(style.integer) ?? "-", style.integer(peakDay?.bookings ?? 0), style.integer(daysOverCap),
            ] + PromiseReport.carrierColumns.map { promise.cells(style: style)[$0] }
        }

        init(carrier: String) {
            self.carrier = carrier
            promise = PromiseReport.Line(carrier: carrier, service: "", zone: nil)
        }
    }

    /// What the columns mean, under the table.
    public static let notes = [
        "failures are failed booking attempts by class; breaker = circuit breaker openings",
        "days over: site-days that ended with the carrier's bookings over max_share (of \(Allocation.shareThreshold) or more booked "
            + "at the site that day), then over daily_cap; shares below \(Allocation.shareThreshold) a day are not limited",
        "promise: of the shipments booked in the period, those delivered, their measured transit p90 in delivery days, "
            + "and the shares delivered on time (relaisctl report promise gives them per service and zone)",
    ]

    /// The columns of ``Line/cells(style:)``: the CSV name, the text table's heading, and the
    /// HTML page's (which has room to say which limit a day went over).
    public static let columns: [(csv: String, title: String, heading: String)] = [
        ("carrier", "carrier", "carrier"), ("bookings", "booked", "booked"), ("share", "share", "share"),
        ("mean_price", "mean price", "mean price as decided"), ("mean_carrier_price", "carrier price", "mean price as charged"),
        ("attempts", "attempts", "booking attempts"), ("transient", "transient", "transient"), ("permanent", "permanent", "permanent"),
        ("unknown_outcome", "unknown", "unknown outcome"), ("breaker_openings", "breaker", "breaker openings"),
        ("max_share", "max share", "max_share"), ("days_over_share", "days over", "days over max_share"),
        ("daily_cap", "cap", "daily_cap"), ("peak_day_bookings", "peak day", "busiest site-day"),
        ("days_over_cap", "days over", "days over daily_cap"),
        ("delivered", "delivered", "delivered"), ("measured_p90", "p90 days", "measured p90, delivery days"),
        ("on_time_promised", "on time promised_by", "on time against promised_by"),
        ("on_time_eta", "on time ETA", "on time against the ETA at the policy's confidence"),
    ]

    /// The indexes of the columns that are shares, 0…1: fractions in CSV.
    public static let shareColumns = [2, 10, 17, 18]

    /// The per-service promise table (text, JSON and HTML): these columns of
    /// ``PromiseReport/Line/cells(style:)``, named by ``PromiseReport/columns(confidence:)``.
    public static let serviceColumns = [0, 1, 3] + PromiseReport.carrierColumns

    /// The per-service promise table's rows, one per carrier service booked in the period.
    public func serviceRows(style: NumberStyle = .neutral) -> [[String]] {
        services.map { line in
            let cells = line.cells(style: style)
            return Self.serviceColumns.map { cells[$0] }
        }
    }

    /// One booking day, all sites together: how many were booked, and by which carriers.
    public struct Day: Hashable, Sendable {
        public var day: CivilDate
        public var bookings: Int
        public var perCarrier: [String: Int]
    }

    public var period: String
    public var policy: String
    /// The policy's currency: the prices' unit.
    public var currency: String
    public var bookings: Int
    /// By carrier id.
    public var lines: [Line]
    /// Days with bookings, in order (each site's own calendar day).
    public var days: [Day]
    /// Per carrier service, its zones together: delivered, on time, measured transit.
    public var services: [PromiseReport.Line]
    /// The policy's confidence: the ETA the on-time share is measured against.
    public var confidence: Percentile

    /// - Parameters:
    ///   - panel: its carriers are listed even when idle; its services and calendars measure
    ///     transit (``PromiseReport``).
    ///   - sites: for each site's own calendar days.
    public init(history: any RecordHistory, period: ReportPeriod, policy: Policy, panel: CarrierPanel, sites: [Site]) async throws {
        let carriers = panel.carriers.map(\.id)
        let zones = Dictionary(sites.map { ($0.id, $0.timeZone) }, uniquingKeysWith: { first, _ in first })
        struct SiteDay: Hashable { var site: String, day: CivilDate }
        var perDay: [SiteDay: (total: Int, perCarrier: [String: Int])] = [:]
        var prices: [String: (sum: Int64, n: Int64, carrierSum: Int64, carrierN: Int64)] = [:]
        var total = 0
        try await history.forEachBooked(bookedFrom: period.startMilliseconds, until: period.endMilliseconds) { booked in
            total += 1
            let carrier = booked.key.carrier
            let day = LocalTime(instant: booked.bookedAt / 1000, in: zones[booked.site] ?? period.timeZone).date
            let key = SiteDay(site: booked.site, day: day)
            perDay[key, default: (0, [:])].total += 1
            perDay[key, default: (0, [:])].perCarrier[carrier, default: 0] += 1
            var figures = prices[carrier] ?? (0, 0, 0, 0)
            if let price = booked.price {
                figures.sum += price.minorUnits
                figures.n += 1
            }
            if let price = booked.carrierPrice {
                figures.carrierSum += price.minorUnits
                figures.carrierN += 1
            }
            prices[carrier] = figures
        }
        let incidents = try await history.carrierIncidents(from: period.startMilliseconds, until: period.endMilliseconds)

        var lines: [String: Line] = [:]
        for carrier in Set(carriers).union(prices.keys).union(incidents.keys) {
            var line = Line(carrier: carrier)
            let allocation = policy.allocations[carrier]
            line.maxShare = allocation?.maxShare
            line.dailyCap = allocation?.dailyCap
            if let figures = prices[carrier] {
                if figures.n > 0 { line.meanPrice = Money(minorUnits: FixedPoint.divideRoundingHalfUp(figures.sum, by: figures.n)) }
                if figures.carrierN > 0 {
                    line.meanCarrierPrice = Money(minorUnits: FixedPoint.divideRoundingHalfUp(figures.carrierSum, by: figures.carrierN))
                }
            }
            if let incident = incidents[carrier] {
                line.attempts = incident.attempts
                line.failures = incident.failures
                line.breakerOpenings = incident.breakerOpenings
            }
            lines[carrier] = line
        }
        for (siteDay, counts) in perDay.sorted(by: { ($0.key.day, $0.key.site) < ($1.key.day, $1.key.site) }) {
            for (carrier, n) in counts.perCarrier {
                lines[carrier]!.bookings += n
                if n > (lines[carrier]!.peakDay?.bookings ?? 0) { lines[carrier]!.peakDay = (siteDay.site, siteDay.day, n) }
                if let cap = lines[carrier]!.dailyCap, n > cap { lines[carrier]!.daysOverCap += 1 }
                if let share = lines[carrier]!.maxShare, counts.total >= Allocation.shareThreshold,
                    Double(n) / Double(counts.total) > share
                {
                    lines[carrier]!.daysOverShare += 1
                }
            }
        }
        let promise = try await PromiseReport(history: history, period: period, panel: panel, policy: policy, sites: sites)
        for service in promise.serviceLines {
            lines[service.carrier, default: Line(carrier: service.carrier)].promise.add(service)
        }
        services = promise.serviceLines
        confidence = promise.confidence
        for carrier in lines.keys where total > 0 { lines[carrier]!.share = Double(lines[carrier]!.bookings) / Double(total) }
        var days: [CivilDate: Day] = [:]
        for (siteDay, counts) in perDay {
            days[siteDay.day, default: Day(day: siteDay.day, bookings: 0, perCarrier: [:])].bookings += counts.total
            for (carrier, n) in counts.perCarrier { days[siteDay.day]?.perCarrier[carrier, default: 0] += n }
        }
        self.days = days.values.sorted { $0.day < $1.day }
        self.period = period.description
        self.policy = policy.name
        currency = policy.currency
        self.bookings = total
        self.lines = lines.values.sorted { $0.carrier < $1.carrier }
    }
}

extension CarrierReport: Encodable {
    enum CodingKeys: String, CodingKey { case period, policy, currency, bookings, carriers, days, services, confidence }

    enum DayKeys: String, CodingKey { case day, bookings, carriers }

    enum LineKeys: String, CodingKey {
        case carrier, bookings, share, meanPrice = "mean_price", meanCarrierPrice = "mean_carrier_price", attempts, failures
        case breakerOpenings = "breaker_openings", allocation, promise
    }

    enum AllocationKeys: String, CodingKey {
        case maxShare = "max_share", dailyCap = "daily_cap", peakDay = "peak_day", peakSite = "peak_site"
        case peakBookings = "peak_day_bookings", daysOverShare = "days_over_share", daysOverCap = "days_over_cap"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(period, forKey: .period)
        try c.encode(policy, forKey: .policy)
        try c.encode(currency, forKey: .currency)
        try c.encode(bookings, forKey: .bookings)
        try c.encode(confidence.rawValue, forKey: .confidence)
        var serviceList = c.nestedUnkeyedContainer(forKey: .services)
        for service in services {
            try PromiseReport.encode(service, into: serviceList.nestedContainer(keyedBy: PromiseReport.LineKeys.self))
        }
        var dayList = c.nestedUnkeyedContainer(forKey: .days)
        for day in days {
            var d = dayList.nestedContainer(keyedBy: DayKeys.self)
            try d.encode(day.day.description, forKey: .day)
            try d.encode(day.bookings, forKey: .bookings)
            try d.encode(day.perCarrier, forKey: .carriers)
        }
        var list = c.nestedUnkeyedContainer(forKey: .carriers)
        for line in lines {
            var l = list.nestedContainer(keyedBy: LineKeys.self)
            try l.encode(line.carrier, forKey: .carrier)
            try l.encode(line.bookings, forKey: .bookings)
            try l.encode((line.share * 10_000).rounded() / 10_000, forKey: .share)
            try l.encode(line.meanPrice?.description, forKey: .meanPrice)
            try l.encode(line.meanCarrierPrice?.description, forKey: .meanCarrierPrice)
            try l.encode(line.attempts, forKey: .attempts)
            let failures = Dictionary(
                uniqueKeysWithValues: [FailureClass.transient, .permanent, .unknownOutcome].map { ($0.rawValue, line.failures[$0] ?? 0) })
            try l.encode(failures, forKey: .failures)
            try l.encode(line.breakerOpenings, forKey: .breakerOpenings)
            var a = l.nestedContainer(keyedBy: AllocationKeys.self, forKey: .allocation)
            try a.encode(line.maxShare, forKey: .maxShare)
            try a.encode(line.dailyCap, forKey: .dailyCap)
            try a.encode(line.peakDay?.day.description, forKey: .peakDay)
            try a.encode(line.peakDay?.site, forKey: .peakSite)
            try a.encode(line.peakDay?.bookings ?? 0, forKey: .peakBookings)
            try a.encode(line.daysOverShare, forKey: .daysOverShare)
            try a.encode(line.daysOverCap, forKey: .daysOverCap)
            try PromiseReport.encode(line.promise, into: l.nestedContainer(keyedBy: PromiseReport.LineKeys.self, forKey: .promise))
        }
    }
}
