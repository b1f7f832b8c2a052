import RelaisCore

/// The human form of a decision: the ranking, then the candidates left out and why.
enum DecisionTable {
    static func render(_ decision: Decision, panel: CarrierPanel) -> String {
        var text = "Shipment \(decision.shipmentID) · policy \(decision.policyName) (sha256 \(decision.policySHA256.prefix(12))…)\n"
        if !decision.rulesApplied.isEmpty { text += "Rules applied: \(decision.rulesApplied.joined(separator: "; "))\n" }
        if let chosen = decision.chosen {
            text += "Chosen: \(chosen.key) (\(chosen.serviceName))"
            if decision.late { text += " — LATE: no service meets the promised date; this is the fastest" }
            text += "\n"
        } else {
            text += "HELD: no carrier service is eligible\n"
        }
        text += "\n"
        let eligible = decision.candidates.filter(\.isEligible)
        if !eligible.isEmpty || decision.late {
            var table = TextTable([
                ("#", .right), ("carrier/service", .left), ("price", .right), ("ETA p50", .left), ("ETA p90", .left),
                ("lead days", .right), ("CO2e g", .right), ("cost", .right),
            ])
            for candidate in decision.candidates where candidate.isEligible || (decision.late && candidate == decision.chosen) {
                table.add([
                    candidate.rank.map(String.init) ?? "late",
                    candidate.key.description,
                    candidate.price.map { "\($0) \(decision.currency)" } ?? "-",
                    candidate.eta.map { $0.p50.description } ?? "-",
                    candidate.eta.map { $0.p90.description } ?? "-",
                    candidate.leadDays.map(String.init) ?? "-",
                    candidate.co2eGrams.map { String(format1: $0) } ?? "-",
                    candidate.cost?.description ?? "-",
                ])
            }
            text += table.render()
        }
        let rejected = decision.candidates.filter { !$0.isEligible && !(decision.late && $0 == decision.chosen) }
        if !rejected.isEmpty {
            text += "\nNot eligible:\n"
            var table = TextTable([("carrier/service", .left), ("reasons", .left), ("price", .right), ("ETA p90", .left), ("CO2e g", .right)])
            for candidate in rejected {
                table.add([
                    candidate.key.description,
                    candidate.reasons.codes.map(\.rawValue).joined(separator: ", "),
                    candidate.price.map { "\($0) \(decision.currency)" } ?? "-",
                    candidate.eta.map { $0.p90.description } ?? "-",
                    candidate.co2eGrams.map { String(format1: $0) } ?? "-",
                ])
            }
            text += table.render(indent: "  ")
        }
        return text
    }
}

extension String {
    /// One decimal, half away from zero: `84.2`.
    init(format1 value: Double) {
        let tenths = Int64((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
