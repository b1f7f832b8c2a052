/// The JSON form of a ``Decision`` (SPEC §7.5): what `relaisctl quote --json` prints and
/// `GET /v1/shipments/{id}/decision` returns. Keys are encoded in the order SPEC shows them.
public struct DecisionRecord: Hashable, Codable, Sendable {
    public struct PolicyRef: Hashable, Codable, Sendable {
        public var name: String
        public var sha256: String
    }

    public struct Choice: Hashable, Codable, Sendable {
        public var carrier: String
        public var service: String
        /// The site it leaves from (SPEC §15); absent in records older than origins.
        public var origin: String?
    }

    /// The customer's `requested_service` and what became of it (SPEC §15).
    public struct Requested: Hashable, Codable, Sendable {
        public var carrier: String
        public var service: String
        public var honoured: Bool
        /// Why not, when not honoured (its closest candidate's reasons).
        public var reasons: [ReasonCode]
        /// The origin of the candidate honoured, or of the closest one.
        public var origin: String?
        /// False when the panel has no such service.
        public var inPanel: Bool

        enum CodingKeys: String, CodingKey {
            case carrier, service, honoured, reasons, origin, inPanel = "in_panel"
        }
    }

    public struct Dates: Hashable, Codable, Sendable {
        public var p50: CivilDate
        public var p90: CivilDate
        public var p99: CivilDate

        public init(p50: CivilDate, p90: CivilDate, p99: CivilDate) {
            self.p50 = p50
            self.p90 = p90
            self.p99 = p99
        }
    }

    public struct Candidate: Hashable, Codable, Sendable {
        public var carrier: String
        public var service: String
        /// The site it would leave from; absent in records older than origins.
        public var origin: String?
        public var serviceName: String
        public var eligible: Bool
        public var reasons: [ReasonCode]
        public var rank: Int?
        /// To the cent, as a decimal string.
        public var price: String?
        public var currency: String
        public var leadDays: Int?
        public var eta: Dates?
        /// Grams, to 0.1 g.
        public var co2eG: Double?
        public var dataQuality: Int
        /// To 4 places, as a decimal string.
        public var cost: String?
        /// The distance behind `co2e_g`, to 0.1 km.
        public var km: Double?

        enum CodingKeys: String, CodingKey {
            case carrier, service, origin, serviceName = "service_name", eligible, reasons, rank, price, currency
            case leadDays = "lead_days", eta, co2eG = "co2e_g", dataQuality = "data_quality", cost, km
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(carrier, forKey: .carrier)
            try c.encode(service, forKey: .service)
            try c.encodeIfPresent(origin, forKey: .origin)
            try c.encode(serviceName, forKey: .serviceName)
            try c.encode(eligible, forKey: .eligible)
            try c.encode(reasons, forKey: .reasons)
            try c.encode(rank, forKey: .rank)
            try c.encode(price, forKey: .price)
            try c.encode(currency, forKey: .currency)
            try c.encode(leadDays, forKey: .leadDays)
            try c.encode(eta, forKey: .eta)
            try c.encode(co2eG, forKey: .co2eG)
            try c.encode(dataQuality, forKey: .dataQuality)
            try c.encode(cost, forKey: .cost)
            try c.encode(km, forKey: .km)
        }
    }

    public var shipment: String
    public var policy: PolicyRef
    public var rulesApplied: [String]
    public var chosen: Choice?
    public var requested: Requested?
    public var late: Bool
    public var held: Bool
    public var candidates: [Candidate]
    /// `great-circle` or `zone-default`: what the candidates' distances rest on.
    public var distanceBasis: DistanceBasis?

    enum CodingKeys: String, CodingKey {
        case shipment, policy, rulesApplied = "rules_applied", chosen, requested, late, held, candidates
        case distanceBasis = "distance_basis"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(shipment, forKey: .shipment)
        try c.encode(policy, forKey: .policy)
        try c.encode(rulesApplied, forKey: .rulesApplied)
        try c.encode(chosen, forKey: .chosen)
        try c.encodeIfPresent(requested, forKey: .requested)
        try c.encode(late, forKey: .late)
        try c.encode(held, forKey: .held)
        try c.encode(candidates, forKey: .candidates)
        try c.encode(distanceBasis, forKey: .distanceBasis)
    }

    public init(_ decision: Decision) {
        self.shipment = decision.shipmentID
        self.policy = PolicyRef(name: decision.policyName, sha256: decision.policySHA256)
        self.rulesApplied = decision.rulesApplied
        self.chosen = decision.chosen.map { Choice(carrier: $0.key.carrier, service: $0.key.service, origin: $0.origin) }
        self.requested = decision.requested.map {
            Requested(
                carrier: $0.key.carrier, service: $0.key.service, honoured: $0.honoured, reasons: $0.reasons.codes,
                origin: $0.origin, inPanel: $0.inPanel)
        }
        self.late = decision.late
        self.held = decision.held
        self.candidates = decision.candidates.map { candidate in
            Candidate(
                carrier: candidate.key.carrier, service: candidate.key.service, origin: candidate.origin,
                serviceName: candidate.serviceName,
                eligible: candidate.isEligible, reasons: candidate.reasons.codes, rank: candidate.rank,
                price: candidate.price?.description, currency: decision.currency, leadDays: candidate.leadDays,
                eta: candidate.eta.map { Dates(p50: $0.p50, p90: $0.p90, p99: $0.p99) },
                co2eG: candidate.co2eGrams.map { ($0 * 10).rounded() / 10 }, dataQuality: candidate.dataQuality,
                cost: candidate.cost?.description, km: candidate.distanceKm.map { ($0 * 10).rounded() / 10 })
        }
        self.distanceBasis = decision.distanceBasis
    }
}
