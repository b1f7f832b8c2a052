/// One carrier service from one origin scored for one shipment: its reasons and its
/// metrics (SPEC §7, §15).
///
/// Metrics that could not be computed (no zone, no rate) are nil; every check that could
/// run did, so the reasons are complete.
public struct CandidateEvaluation: Hashable, Sendable {
    public var key: ServiceKey
    /// The site it would leave from; nil in records older than origins.
    public var origin: String?
    public var serviceName: String
    public var reasons: ReasonSet
    /// 1… over the eligible candidates in decision order; nil for the others.
    public var rank: Int?
    public var price: Money?
    public var leadDays: Int?
    public var eta: ETA?
    public var co2eGrams: Double?
    public var dataQuality: Int
    public var cost: Cost?
    /// The distance its emissions were computed on (SPEC §8): great-circle × 1.05, or the
    /// service's `default_km` for the zone; nil when neither is known.
    public var distanceKm: Double?

    public init(
        key: ServiceKey, origin: String? = nil, serviceName: String, reasons: ReasonSet, rank: Int? = nil, price: Money?,
        leadDays: Int?, eta: ETA?, co2eGrams: Double?, dataQuality: Int, cost: Cost?,
        distanceKm: Double? = nil
    ) {
        self.key = key
        self.origin = origin
        self.serviceName = serviceName
        self.reasons = reasons
        self.rank = rank
        self.price = price
        self.leadDays = leadDays
        self.eta = eta
        self.co2eGrams = co2eGrams
        self.dataQuality = dataQuality
        self.cost = cost
        self.distanceKm = distanceKm
    }

    public var isEligible: Bool { reasons.isEmpty }
}
