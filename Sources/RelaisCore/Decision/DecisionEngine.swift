/// Scores every carrier service of a panel for a shipment under a policy and picks one,
/// exactly as SPEC §7–8 say.
///
/// Pure: the shipment, the panel, the policy and the ``DecisionContext`` are the only
/// inputs; the same inputs always give the same ``Decision``. Build one engine per
/// (panel, policy) pair and reuse it: the candidate list is prepared once.
public struct DecisionEngine: Sendable {
    public let panel: CarrierPanel
    public let policy: Policy
    private let candidates: [Candidate]

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
    }

    /// Road distance factor applied to great-circle distances (SPEC §8).
    public static let circuityFactor = 1.05

    /// Decides `shipment`: evaluates every candidate, ranks the eligible ones, and applies
    /// the promise policy when none is eligible.
    public func decide(_ shipment: Shipment, context: DecisionContext = .offline) -> Decision {
        let effective = policy.effective(for: shipment)
        let destination = shipment.recipient.destination
        var crowKm: Double?
        if let from = shipment.site.coordinate, let to = shipment.recipient.coordinate {
            crowKm = from.haversineKm(to: to) * Self.circuityFactor
        }

        var eligible: [CandidateEvaluation] = []
        var others: [CandidateEvaluation] = []  // stays in key order
        eligible.reserveCapacity(candidates.count)
        others.reserveCapacity(candidates.count)
        for candidate in candidates {
            let evaluation = evaluate(
                candidate, shipment: shipment, destination: destination, km: crowKm, policy: effective, context: context)
            if evaluation.isEligible { eligible.append(evaluation) } else { others.append(evaluation) }
        }
        eligible.sort(by: Self.ranksBefore)
        for index in eligible.indices { eligible[index].rank = index + 1 }

        var chosenIndex: Int?
        var late = false
        var held = false
        if !eligible.isEmpty {
            chosenIndex = 0
        } else {
            let promiseOnly = others.indices.filter { others[$0].reasons == .promise }
            if !promiseOnly.isEmpty, effective.promise.whenUnmeetable == .fastest {
                let confidence = effective.promise.confidence
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
        return Decision(
            shipmentID: shipment.id, policyName: policy.name, policySHA256: policy.sha256,
            currency: policy.currency, rulesApplied: effective.rulesApplied, candidates: eligible + others,
            chosenIndex: chosenIndex, late: late, held: held, distanceBasis: crowKm == nil ? .zoneDefault : .greatCircle)
    }

    /// Lowest cost; ties go to the lower price, then lower CO2e, then `carrier/service` in byte order.
    static func ranksBefore(_ lhs: CandidateEvaluation, _ rhs: CandidateEvaluation) -> Bool {
        if lhs.cost != rhs.cost { return (lhs.cost?.units ?? .max) < (rhs.cost?.units ?? .max) }
        if lhs.price != rhs.price { return (lhs.price?.minorUnits ?? .max) < (rhs.price?.minorUnits ?? .max) }
        if lhs.co2eGrams != rhs.co2eGrams { return (lhs.co2eGrams ?? .infinity) < (rhs.co2eGrams ?? .infinity) }
        return lhs.key < rhs.key
    }

    private func evaluate(
        _ candidate: Candidate, shipment: Shipment, destination: Destination, km crowKm: Double?,
        policy: EffectivePolicy, context: DecisionContext
    ) -> CandidateEvaluation {
        let carrier = candidate.carrier
        let service = candidate.service
        var reasons = ReasonSet()

        if policy.constraints.exclude.contains(carrier.id) || policy.constraints.exclude.contains(candidate.keyText) {
            reasons.insert(.excluded)
        }
        if service.mode != shipment.deliveryMode { reasons.insert(.mode) }

        let zone = carrier.zones.zone(for: destination)
        let transit = zone.flatMap { service.transit[$0.index] }
        if transit == nil || !service.collects(from: shipment.site) { reasons.insert(.coverage) }

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
                carrierBookedToday: context.carrierBookedToday[carrier.id] ?? 0,
                siteBookedToday: context.siteBookedToday)
        {
            reasons.insert(.capacity)
        }
        if context.openCircuits.contains(carrier.id) { reasons.insert(.health) }

        var eta: ETA?
        var leadDays: Int?
        if let transit {
            let pickup = service.pickupDate(ready: shipment.ready)
            let dates = service.eta(pickup: pickup, transit: transit)
            eta = dates
            leadDays = shipment.ready.date.days(until: dates.p50)
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
            key: candidate.key, serviceName: service.name, reasons: reasons, price: price, leadDays: leadDays,
            eta: eta, co2eGrams: co2eGrams, dataQuality: carrier.fleet.dataQuality, cost: cost, distanceKm: km)
    }
}
