/// Scores every carrier service of a panel, from each origin of a shipment, under a policy
/// and picks one pair, exactly as SPEC §7–8 and §15 say.
///
/// Pure: the shipment, the panel, the policy and the ``DecisionContext`` are the only
/// inputs; the same inputs always give the same ``Decision``. Build one engine per
/// (panel, policy) pair and reuse it: the candidate list is prepared once.
public struct DecisionEngine: Sendable {
    public let panel: CarrierPanel
    public let policy: Policy
    private let candidates: [Candidate]
    /// Some rule matches on `site`: the effective policy is worked out per origin.
    private let rulesMatchSites: Bool

    /// A carrier service with what the hot path needs precomputed.
    private struct Candidate: Sendable {
        let carrier: Carrier
        let service: CarrierService
        let key: ServiceKey
        let keyText: String
        let vehiclesInUse: [String]
    }

    public init(panel: CarrierPanel, policy: Policy) {
        self.panel = panel
        self.policy = policy
        var candidates: [Candidate] = []
        for carrier in panel.carriers {
            for service in carrier.services {
                let key = ServiceKey(carrier: carrier.id, service: service.code)
                candidates.append(
                    Candidate(
                        carrier: carrier, service: service, key: key, keyText: key.description,
                        vehiclesInUse: carrier.fleet.vehiclesInUse))
            }
        }
        self.candidates = candidates.sorted { $0.key < $1.key }
        self.rulesMatchSites = policy.rules.contains { $0.when.sites != nil }
    }

    /// Road distance factor applied to great-circle distances (SPEC §8).
    public static let circuityFactor = 1.05

    /// One origin as the decision sees it: its clock, distance, policy and bookings.
    private struct Origin {
        let site: Site
        let ready: LocalTime
        let crowKm: Double?
        let policy: EffectivePolicy
        let bookings: SiteBookings
    }

    /// Decides `shipment`: evaluates every (origin, service) pair, ranks the eligible ones,
    /// honours the customer's requested service while it is eligible, and applies the
    /// promise policy when none is eligible.
    public func decide(_ shipment: Shipment, context: DecisionContext = .offline) -> Decision {
        let destination = shipment.recipient.destination
        let shared = rulesMatchSites ? nil : policy.effective(for: shipment)
        let origins = shipment.origins.map { site -> Origin in
            var crowKm: Double?
            if let from = site.coordinate, let to = shipment.recipient.coordinate {
                crowKm = from.haversineKm(to: to) * Self.circuityFactor
            }
            return Origin(
                site: site, ready: shipment.ready(at: site), crowKm: crowKm,
                policy: shared ?? policy.effective(for: shipment.leaving(from: site)),
                bookings: context.bookings(at: site.id))
        }

        var eligible: [CandidateEvaluation] = []
        var others: [CandidateEvaluation] = []  // stays in key order, then origin order
        let count = candidates.count * origins.count
        eligible.reserveCapacity(count)
        others.reserveCapacity(count)
        for candidate in candidates {
            for origin in origins {
                let evaluation = evaluate(
                    candidate, shipment: shipment, origin: origin, destination: destination, context: context)
                if evaluation.isEligible { eligible.append(evaluation) } else { others.append(evaluation) }
            }
        }
        eligible.sort(by: Self.ranksBefore)

        var requested: RequestedServiceOutcome?
        if let key = shipment.requestedService {
            if let index = eligible.firstIndex(where: { $0.key == key }) {
                // Honoured: it leads the ranking, the policy's own order follows.
                if index > 0 { eligible.insert(eligible.remove(at: index), at: 0) }
                requested = RequestedServiceOutcome(key: key, honoured: true, origin: eligible[0].origin)
            } else {
                let closest = others.filter { $0.key == key }.min { a, b in
                    a.reasons.rawValue.nonzeroBitCount < b.reasons.rawValue.nonzeroBitCount
                }
                requested = RequestedServiceOutcome(
                    key: key, honoured: false, reasons: closest?.reasons ?? [], origin: closest?.origin,
                    inPanel: closest != nil)
            }
        }
        for index in eligible.indices { eligible[index].rank = index + 1 }

        var chosenIndex: Int?
        var late = false
        var held = false
        if !eligible.isEmpty {
            chosenIndex = 0
        } else {
            let promiseOnly = others.indices.filter { others[$0].reasons == .promise }
            let firstPolicy = origins[0].policy
            if !promiseOnly.isEmpty, firstPolicy.promise.whenUnmeetable == .fastest {
                let confidence = firstPolicy.promise.confidence
                let fastest = promiseOnly.min { a, b in
                    let lhs = others[a], rhs = others[b]
                    let lhsDate = lhs.eta![confidence], rhsDate = rhs.eta![confidence]
                    if lhsDate != rhsDate { return lhsDate < rhsDate }
                    return Self.ranksBefore(lhs, rhs)
                }!
                // The late pick leads the list so that the record reads in decision order.
                let pick = others.remove(at: fastest)
                others.insert(pick, at: 0)
                chosenIndex = eligible.count
                late = true
            } else {
                held = true
            }
        }
        let all = eligible + others
        // The record names the rules and the distance basis of the origin it leaves from.
        let leaving = chosenIndex.flatMap { index in origins.first { $0.site.id == all[index].origin } } ?? origins[0]
        return Decision(
            shipmentID: shipment.id, policyName: policy.name, policySHA256: policy.sha256,
            currency: policy.currency, rulesApplied: leaving.policy.rulesApplied, candidates: all,
            chosenIndex: chosenIndex, late: late, held: held,
            distanceBasis: leaving.crowKm == nil ? .zoneDefault : .greatCircle, requested: requested)
    }

    /// Lowest cost; ties go to the lower price, then lower CO2e, then `carrier/service` in
    /// byte order, then the origin id in byte order (SPEC §7.3, §15).
    static func ranksBefore(_ lhs: CandidateEvaluation, _ rhs: CandidateEvaluation) -> Bool {
        if lhs.cost != rhs.cost { return (lhs.cost?.units ?? .max) < (rhs.cost?.units ?? .max) }
        if lhs.price != rhs.price { return (lhs.price?.minorUnits ?? .max) < (rhs.price?.minorUnits ?? .max) }
        if lhs.co2eGrams != rhs.co2eGrams { return (lhs.co2eGrams ?? .infinity) < (rhs.co2eGrams ?? .infinity) }
        if lhs.key != rhs.key { return lhs.key < rhs.key }
        return (lhs.origin ?? "").utf8.lexicographicallyPrecedes((rhs.origin ?? "").utf8)
    }

    private func evaluate(
        _ candidate: Candidate, shipment: Shipment, origin: Origin, destination: Destination, context: DecisionContext
    ) -> CandidateEvaluation {
        let policy = origin.policy
        let crowKm = origin.crowKm
        let carrier = candidate.carrier
        let service = candidate.service
        var reasons = ReasonSet()

        if policy.constraints.exclude.contains(carrier.id) || policy.constraints.exclude.contains(candidate.keyText) {
            reasons.insert(.excluded)
        }
        if service.mode != shipment.deliveryMode { reasons.insert(.mode) }
        if service.direction != shipment.direction { reasons.insert(.direction) }

        let zone = carrier.zones.zone(for: destination)
        let transit = zone.flatMap { service.transit[$0.index] }
        if transit == nil || !service.collects(from: origin.site) { reasons.insert(.coverage) }

        var price: Money?
        var totalCents: Int64 = 0
        var priced = zone != nil
        var co2e = 0.0
        let km = crowKm ?? zone.flatMap { service.defaultKm[$0.index] }
        for parcel in shipment.parcels {
            if parcel.weightKg > service.maxWeightKg { reasons.insert(.weight) }
            if parcel.longestSideCm > service.maxLengthCm || parcel.girthCm > service.maxGirthCm {
                reasons.insert(.size)
            }
            if let zone, priced {
                let chargeable = parcel.chargeableWeightKg(volumetricDivisor: service.volumetricDivisor)
                if let rate = service.rates.price(zone: zone, chargeableWeightKg: chargeable) {
                    totalCents += service.priceWithSurcharge(rate).minorUnits
                } else {
                    priced = false
                }
            }
            if let km {
                co2e += carrier.fleet.gramsPerParcel(km: km, massTonnes: parcel.weightKg / 1000)
            }
        }
        if zone != nil {
            if priced { price = Money(minorUnits: totalCents) } else { reasons.insert(.rate) }
        }
        let co2eGrams = km == nil ? nil : co2e

        if !policy.constraints.fleet.isEmpty,
            candidate.vehiclesInUse.contains(where: { !policy.constraints.fleet.contains($0) })
        {
            reasons.insert(.fleet)
        }
        if let limit = policy.constraints.maxCO2eGrams, let co2eGrams, co2eGrams > limit {
            reasons.insert(.co2e)
        }
        if let allocation = self.policy.allocations[carrier.id],
            allocation.isExhausted(
                carrierBookedToday: origin.bookings.perCarrier[carrier.id] ?? 0,
                siteBookedToday: origin.bookings.total)
        {
            reasons.insert(.capacity)
        }
        if context.openCircuits.contains(carrier.id) { reasons.insert(.health) }

        var eta: ETA?
        var leadDays: Int?
        if let transit {
            let pickup = service.pickupDate(ready: origin.ready, siteCutoff: origin.site.cutoff)
            let dates = service.eta(pickup: pickup, transit: transit)
            eta = dates
            leadDays = origin.ready.date.days(until: dates.p50)
            if let promised = shipment.promisedBy, dates[policy.promise.confidence] > promised {
                reasons.insert(.promise)
            }
        }

        var cost: Cost?
        if let price, let leadDays, let co2eGrams {
            cost = Cost(
                price: price, perDay: policy.prices.perDay, leadDays: leadDays,
                perKgCO2e: policy.prices.perKgCO2e, co2eGrams: co2eGrams)
        }
        return CandidateEvaluation(
            key: candidate.key, origin: origin.site.id, serviceName: service.name, reasons: reasons, price: price, leadDays: leadDays,
            eta: eta, co2eGrams: co2eGrams, dataQuality: carrier.fleet.dataQuality, cost: cost, distanceKm: km)
    }
}
