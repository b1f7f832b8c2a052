extension Decision {
    /// "no eligible service: mode ×3, coverage ×2" — why a decision held the shipment, as
    /// the records keep it in `reason` (every store engine writes the same words).
    public var holdReason: String {
        if candidates.contains(where: { $0.reasons == .promise }) {
            return "the promised date cannot be met and the policy holds such shipments"
        }
        var counts: [ReasonCode: Int] = [:]
        for candidate in candidates { for code in candidate.reasons.codes { counts[code, default: 0] += 1 } }
        let list = ReasonCode.allCases.compactMap { code in counts[code].map { "\(code.rawValue) ×\($0)" } }
        return "no eligible service: " + list.joined(separator: ", ")
    }
}
