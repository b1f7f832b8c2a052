import RelaisCore

/// Decisions' candidates as columns, one array per column, for one `INSERT … SELECT * FROM
/// unnest(…)` of all the candidates of a batch of decisions.
struct CandidateRows {
    var decisionIDs: [Int64] = [], positions: [Int64] = []
    var carriers: [String] = [], services: [String] = [], names: [String] = [], reasons: [String] = []
    var ranks: [Int64?] = [], prices: [Int64?] = [], leadDays: [Int64?] = []
    var p50: [String?] = [], p90: [String?] = [], p99: [String?] = []
    var co2e: [Double?] = [], dataQuality: [Int64] = [], costUnits: [Int64?] = [], km: [Double?] = [], origins: [String?] = []

    mutating func append(_ candidate: CandidateEvaluation, decision: Int64, position: Int) {
        decisionIDs.append(decision)
        positions.append(Int64(position))
        carriers.append(candidate.key.carrier)
        services.append(candidate.key.service)
        names.append(candidate.serviceName)
        reasons.append(candidate.reasons.codes.map(\.rawValue).joined(separator: ","))
        ranks.append(candidate.rank.map(Int64.init))
        prices.append(candidate.price?.minorUnits)
        leadDays.append(candidate.leadDays.map(Int64.init))
        p50.append(candidate.eta?.p50.description)
        p90.append(candidate.eta?.p90.description)
        p99.append(candidate.eta?.p99.description)
        co2e.append(candidate.co2eGrams)
        dataQuality.append(Int64(candidate.dataQuality))
        costUnits.append(candidate.cost?.units)
        km.append(candidate.distanceKm)
        origins.append(candidate.origin)
    }
}
