/// The outcome of scoring one shipment against the panel under a policy: the answer to
/// "why this carrier, why not that one" (SPEC §7.5).
public struct Decision: Hashable, Sendable {
    public var shipmentID: String
    public var policyName: String
    public var policySHA256: String
    public var currency: String
    public var rulesApplied: [String]
    /// Eligible candidates by rank, then the others in `carrier/service` byte order (then
    /// origin id).
    public var candidates: [CandidateEvaluation]
    /// Index into ``candidates`` of the service to book; nil when held.
    public var chosenIndex: Int?
    /// The promise cannot be met and `fastest` picked the earliest candidate.
    public var late: Bool
    /// Nothing may carry the shipment (or `hold` applies to an unmeetable promise).
    public var held: Bool
    /// What the candidates' distances rest on; nil in records older than the field.
    public var distanceBasis: DistanceBasis?
    /// What became of the customer's `requested_service`, when the shipment has one.
    public var requested: RequestedServiceOutcome?

    public init(
        shipmentID: String, policyName: String, policySHA256: String, currency: String, rulesApplied: [String],
        candidates: [CandidateEvaluation], chosenIndex: Int?, late: Bool, held: Bool,
        distanceBasis: DistanceBasis? = nil, requested: RequestedServiceOutcome? = nil
    ) {
        self.shipmentID = shipmentID
        self.policyName = policyName
        self.policySHA256 = policySHA256
        self.currency = currency
        self.rulesApplied = rulesApplied
        self.candidates = candidates
        self.chosenIndex = chosenIndex
        self.late = late
        self.held = held
        self.distanceBasis = distanceBasis
        self.requested = requested
    }

    public var chosen: CandidateEvaluation? { chosenIndex.map { candidates[$0] } }
}
