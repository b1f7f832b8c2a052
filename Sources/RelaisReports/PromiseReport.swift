import Foundation
import RelaisCore
import RelaisOrders
import RelaisStore

/// `relaisctl report promise --since DATE`: per carrier, service and zone, of the shipments
/// booked in the period, how many were delivered, their measured transit in delivery days at
/// p50/p90/p99 beside the declared `transit`, and the share delivered on time against
/// `promised_by` and against the ETA at the policy's confidence (SPEC §13).
///
/// Transit is counted as the carrier's calendar counts it (SPEC §8): from the pickup date the
/// decision worked out (ready time, cutoff, pickup days, holidays) to the day of the
/// carrier's `delivered` event on the site's clock, in the service's delivery days, holidays
/// skipped; see ``CarrierService/transitDays(pickup:delivered:)``. Shares are of delivered
/// shipments; those not delivered yet are counted as booked only.
public struct PromiseReport: Sendable {
    /// Measured transits: how many deliveries took each number of delivery days.
    public struct Transits: Hashable, Sendable {
        public private(set) var deliveries: [Int: Int] = [:]
        public private(set) var count = 0

        public init() {}

        mutating func add(_ days: Int) {
            deliveries[days, default: 0] += 1
            count += 1
        }

        mutating func add(_ other: Transits) {
            deliveries.merge(other.deliveries, uniquingKeysWith: +)
            count += other.count
        }

        /// The nearest-rank percentile: the fewest delivery days within which at least that
        /// share of the deliveries came; nil without deliveries.
        public subscript(percentile: Percentile) -> Int? {
            guard count > 0 else { return nil }
            let fraction = switch percentile {
            case .p50: 0.5
            case .p90: 0.9
            case .p99: 0.99
            }
            let rank = Int((fraction * Double(count)).rounded(.up))
            var seen = 0
            for (days, n) in deliveries.sorted(by: { $0.key < $1.key }) {
                seen += n
                if seen >= rank { return days }
            }
            return nil
        }

        /// The measured p50/p90/p99 as a `transit` entry; nil without deliveries.
        public var measured: TransitTimes? {
            guard let p50 = self[.p50], let p90 = self[.p90], let p99 = self[.p99] else { return nil }
            return TransitTimes(p50: p50, p90: p90, p99: p99)
        }
    }

    /// One carrier service in one zone (or in all its zones, ``zone`` nil).
    public struct Line: Hashable, Sendable {
        public var carrier: String
        public var service: String
        /// Nil: the service's zones together (`report carriers`).
        public var zone: String?
        /// The `transit` carrier.toml declares for the zone; nil when it declares none, or
        /// for zones together.
        public var declared: TransitTimes?
        public var booked = 0
        public var delivered = 0
        public var transits = Transits()
        /// Delivered shipments with a `promised_by`, and those delivered by it.
        public var promised = 0
        public var onTimePromised = 0
        /// Delivered shipments whose decision recorded ETAs, and those delivered by the ETA at
        /// the policy's confidence.
        public var withETA = 0
        public var onTimeETA = 0

        public init(carrier: String, service: String, zone: String?, declared: TransitTimes? = nil) {
            self.carrier = carrier
            self.service = service
            self.zone = zone
            self.declared = declared
        }

        public var key: ServiceKey { ServiceKey(carrier: carrier, service: service) }

        /// Of the delivered shipments with a `promised_by`, the share delivered by it, 0…1.
        public var onTimePromisedShare: Double? { promised > 0 ? Double(onTimePromised) / Double(promised) : nil }
        /// Of the delivered shipments, the share delivered by the ETA at the policy's confidence, 0…1.
        public var onTimeETAShare: Double? { withETA > 0 ? Double(onTimeETA) / Double(withETA) : nil }

        mutating func add(_ other: Line) {
            booked += other.booked
            delivered += other.delivered
            transits.add(other.transits)
            promised += other.promised
            onTimePromised += other.onTimePromised
            withETA += other.withETA
            onTimeETA += other.onTimeETA
        }

        /// Its figures as `relaisctl report promise` prints them, in ``PromiseReport/columns``
        /// order; `-` where there is no figure.
        public func cells(style: NumberStyle = .neutral) -> [String] {
            let measured = Percentile.allCases.map { transits[$0].map(style.integer) ?? "-" }
            let declared = Percentile.allCases.map { percentile in self.declared.map { style.integer($0[percentile]) } ?? "-" }
            return [carrier, service, zone ?? "all", style.integer(booked), style.integer(delivered)] + measured + declared + [
                onTimePromisedShare.map { style.percent($0) } ?? "-", onTimeETAShare.map { style.percent($0) } ?? "-",
            ]
        }
    }

    /// The columns of ``Line/cells(style:)``: the CSV name, the text table's heading, and the
    /// HTML page's.
    public static func columns(confidence: Percentile) -> [(csv: String, title: String, heading: String)] {
        [
            ("carrier", "carrier", "carrier"), ("service", "service", "service"), ("zone", "zone", "zone"),
            ("booked", "booked", "booked"), ("delivered", "delivered", "delivered"),
            ("measured_p50", "p50", "measured p50"), ("measured_p90", "p90", "measured p90"), ("measured_p99", "p99", "measured p99"),
            ("declared_p50", "decl p50", "declared p50"), ("declared_p90", "decl p90", "declared p90"),
            ("declared_p99", "decl p99", "declared p99"),
            ("on_time_promised", "on time promised_by", "on time against promised_by"),
            ("on_time_eta", "on time ETA \(confidence.rawValue)", "on time against the ETA at \(confidence.rawValue)"),
        ]
    }

    /// The indexes of the share columns in ``Line/cells(style:)``: fractions in CSV.
    public static let shareColumns = [11, 12]

    /// The columns of ``Line/cells(style:)`` that `report carriers` shows per carrier and per
    /// service: delivered, measured p90, on time against promised_by and against the ETA.
    public static let carrierColumns = [4, 6, 11, 12]

    /// What the columns mean, under the table.
    public var notes: [String] {
        [
            "transit in delivery days from the pickup date to the delivered date, as the service's calendar counts them; "
                + "measured p50/p90/p99 by nearest rank; decl = transit in carrier.toml",
            "on time: of the delivered shipments, those delivered by their promised_by, and by the ETA at "
                + "\(confidence.rawValue) (the policy's confidence, or a rule's) their decision announced",
        ]
    }

    /// A shipment the report could not measure, and why.
    public struct Skipped: Hashable, Sendable {
        public var shipment: String
        public var reason: String
    }

    /// The `transit` line of one service that the measurements support (`--suggest`).
    public struct Suggestion: Hashable, Sendable {
        public var carrier: String
        public var service: String
        public var serviceName: String
        /// Per zone in the panel's order (zones by name): the transit suggested, and whether it was
        /// measured (else declared, kept for want of deliveries), with the deliveries it rests on.
        public var zones: [(zone: String, transit: TransitTimes, measured: Bool, deliveries: Int)]
        /// `transit = { FR = { p50 = 1, p90 = 2, p99 = 3 } }`, as written in carrier.toml.
        public var line: String
        /// Whether it differs from the declared line.
        public var changed: Bool

        public static func == (lhs: Suggestion, rhs: Suggestion) -> Bool {
            lhs.carrier == rhs.carrier && lhs.service == rhs.service && lhs.line == rhs.line
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(line) }

        /// `# alpha/A1 (Alpha A1): FR measured on 20 deliveries; CORSE as declared (2 deliveries)`.
        public func comment(minimum: Int) -> String {
            let zones = zones.map { zone in
                zone.measured
                    ? "\(zone.zone) measured on \(zone.deliveries) deliveries"
                    : "\(zone.zone) as declared (\(zone.deliveries) deliver\(zone.deliveries == 1 ? "y" : "ies"), fewer than \(minimum))"
            }
            return "# \(carrier)/\(service) (\(serviceName))\(changed ? "" : ", unchanged"): \(zones.joined(separator: "; "))"
        }
    }

    /// Deliveries a zone needs before `--suggest` replaces its declared transit.
    public static let suggestionMinimum = 20

    public var period: String
    public var policy: String
    public var confidence: Percentile
    /// By carrier and service in the panel's order, then zone in the panel's (by name).
    public var lines: [Line]
    /// All lines together.
    public var total: Line
    public var skipped = 0
    /// The first few skipped shipments.
    public var skippedExamples: [Skipped] = []
    /// Every service of the panel with a declared transit, for ``suggestions(minimum:)``.
    let services: [(carrier: Carrier, service: CarrierService)]

    /// Measures every outbound shipment booked in `period` (and still booked) from one
    /// snapshot, against the services of `panel`, at `policy`'s confidence.
    public init(history: any RecordHistory, period: ReportPeriod, panel: CarrierPanel, policy: Policy, sites: [Site]) async throws {
        let sites = Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var services: [ServiceKey: (carrier: Carrier, service: CarrierService, order: Int)] = [:]
        for carrier in panel.carriers {
            for service in carrier.services where service.direction == .outbound {
                services[ServiceKey(carrier: carrier.id, service: service.code)] = (carrier, service, services.count)
            }
        }
        struct LineKey: Hashable { var key: ServiceKey, zone: String? }
        var lines: [LineKey: Line] = [:]
        var skipped: [Skipped] = []
        var skippedCount = 0
        let confidence = policy.promise.confidence
        func skip(_ shipment: TrackedDelivery, _ reason: String) {
            skippedCount += 1
            if skipped.count < 5 { skipped.append(Skipped(shipment: shipment.id, reason: reason)) }
        }
        try await history.forEachTracked(bookedFrom: period.startMilliseconds, until: period.endMilliseconds) { tracked in
            guard let entry = services[tracked.key] else { return skip(tracked, "\(tracked.key) is not in the carrier panel") }
            let (carrier, service) = (entry.carrier, entry.service)
            guard let site = sites[tracked.site] else { return skip(tracked, "site '\(tracked.site)' is not in relais.toml") }
            let shipment: Shipment
            do {
                shipment = Shipment(id: tracked.id, orders: try tracked.orderBodies.map { try OrderDecoder.recorded($0) }, site: site)
            } catch {
                return skip(tracked, "\(error)")
            }
            guard let zone = carrier.zones.zone(for: shipment.recipient.destination) else {
                return skip(tracked, "the recipient is in none of \(carrier.id)'s zones")
            }
            let key = LineKey(key: tracked.key, zone: carrier.zones.name(of: zone))
            let declared = zone.index < service.transit.count ? service.transit[zone.index] : nil
            var line = lines[key] ?? Line(carrier: carrier.id, service: service.code, zone: key.zone, declared: declared)
            line.booked += 1
            if tracked.status == .delivered, let deliveredAt = tracked.deliveredAt {
                let pickup = service.pickupDate(ready: shipment.ready, siteCutoff: site.cutoff)
                let delivered = LocalTime(instant: deliveredAt / 1000, in: site.timeZone).date
                line.delivered += 1
                line.transits.add(service.transitDays(pickup: pickup, delivered: delivered))
                if let promised = shipment.promisedBy {
                    line.promised += 1
                    if delivered <= promised { line.onTimePromised += 1 }
                }
                if let eta = tracked.eta {
                    line.withETA += 1
                    // A policy rule may ask another confidence for this shipment.
                    if delivered <= eta[policy.effective(for: shipment).promise.confidence] { line.onTimeETA += 1 }
                }
            }
            lines[key] = line
        }
        self.lines = lines.values.sorted { lhs, rhs in
            let left = services[lhs.key]?.order ?? 0, right = services[rhs.key]?.order ?? 0
            guard left == right else { return left < right }
            let zones = services[lhs.key]?.carrier.zones
            return (zones?.id(named: lhs.zone ?? "")?.index ?? 0) < (zones?.id(named: rhs.zone ?? "")?.index ?? 0)
        }
        var total = Line(carrier: "total", service: "", zone: "")
        for line in self.lines { total.add(line) }
        self.total = total
        self.period = period.description
        self.policy = policy.name
        self.confidence = confidence
        self.skipped = skippedCount
        self.skippedExamples = skipped
        self.services = services.values.sorted { $0.order < $1.order }.map { ($0.carrier, $0.service) }
    }

    /// Each service's zones together, in the panel's order: the promise columns of `report carriers`.
    public var serviceLines: [Line] {
        var merged: [Line] = []
        for line in lines {
            if merged.last?.key != line.key { merged.append(Line(carrier: line.carrier, service: line.service, zone: nil)) }
            merged[merged.count - 1].add(line)
        }
        return merged
    }

    /// The `transit` lines the measurements support: one per service that has a zone with at
    /// least `minimum` deliveries, that zone's measured p50/p90/p99, other zones as declared.
    public func suggestions(minimum: Int = suggestionMinimum) -> [Suggestion] {
        var suggestions: [Suggestion] = []
        for (carrier, service) in services {
            let measuredLines = lines.filter { $0.key == ServiceKey(carrier: carrier.id, service: service.code) }
            guard measuredLines.contains(where: { $0.transits.count >= minimum }) else { continue }
            var zones: [(zone: String, transit: TransitTimes, measured: Bool, deliveries: Int)] = []
            for (index, name) in carrier.zones.names.enumerated() {
                let deliveries = measuredLines.first { $0.zone == name }?.transits
                let declared = index < service.transit.count ? service.transit[index] : nil
                if let deliveries, deliveries.count >= minimum, let measured = deliveries.measured {
                    zones.append((name, measured, true, deliveries.count))
                } else if let declared {
                    zones.append((name, declared, false, deliveries?.count ?? 0))
                }
            }
            let entries = zones.map { "\($0.zone) = { p50 = \($0.transit.p50), p90 = \($0.transit.p90), p99 = \($0.transit.p99) }" }
            let changed = zones.contains { zone in
                guard zone.measured, let index = carrier.zones.id(named: zone.zone)?.index, index < service.transit.count else { return true }
                return service.transit[index] != zone.transit
            }
            suggestions.append(
                Suggestion(
                    carrier: carrier.id, service: service.code, serviceName: service.name, zones: zones,
                    line: "transit = { \(entries.joined(separator: ", ")) }", changed: changed))
        }
        return suggestions
    }
}

extension PromiseReport: Encodable {
    enum CodingKeys: String, CodingKey { case period, policy, confidence, lines, total, skipped }

    enum LineKeys: String, CodingKey {
        case carrier, service, zone, booked, delivered, measured, declared, promised, onTimePromised = "on_time_promised"
        case onTimePromisedShare = "on_time_promised_share", withETA = "with_eta", onTimeETA = "on_time_eta"
        case onTimeETAShare = "on_time_eta_share", transitDays = "transit_days"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(period, forKey: .period)
        try c.encode(policy, forKey: .policy)
        try c.encode(confidence.rawValue, forKey: .confidence)
        try c.encode(skipped, forKey: .skipped)
        var list = c.nestedUnkeyedContainer(forKey: .lines)
        for line in lines { try Self.encode(line, into: list.nestedContainer(keyedBy: LineKeys.self)) }
        try Self.encode(total, into: c.nestedContainer(keyedBy: LineKeys.self, forKey: .total))
    }

    /// One line as JSON: counts, shares rounded to 4 places, percentiles as `{p50, p90, p99}`
    /// (null without a figure), and how many deliveries took each number of days.
    static func encode(_ line: Line, into container: KeyedEncodingContainer<LineKeys>) throws {
        var c = container
        func percentiles(_ value: (Percentile) -> Int?) -> [String: Int?] {
            Dictionary(uniqueKeysWithValues: Percentile.allCases.map { ($0.rawValue, value($0)) })
        }
        func share(_ value: Double?) -> Double? { value.map { ($0 * 10_000).rounded() / 10_000 } }
        try c.encode(line.carrier, forKey: .carrier)
        try c.encode(line.service, forKey: .service)
        try c.encode(line.zone, forKey: .zone)
        try c.encode(line.booked, forKey: .booked)
        try c.encode(line.delivered, forKey: .delivered)
        try c.encode(percentiles { line.transits[$0] }, forKey: .measured)
        try c.encode(line.declared.map { declared in percentiles { declared[$0] } }, forKey: .declared)
        try c.encode(line.promised, forKey: .promised)
        try c.encode(line.onTimePromised, forKey: .onTimePromised)
        try c.encode(share(line.onTimePromisedShare), forKey: .onTimePromisedShare)
        try c.encode(line.withETA, forKey: .withETA)
        try c.encode(line.onTimeETA, forKey: .onTimeETA)
        try c.encode(share(line.onTimeETAShare), forKey: .onTimeETAShare)
        try c.encode(
            Dictionary(uniqueKeysWithValues: line.transits.deliveries.map { (String($0.key), $0.value) }), forKey: .transitDays)
    }
}
