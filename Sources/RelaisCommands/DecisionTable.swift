import RelaisCore

/// The human form of a decision record: the ranking, then the candidates left out and why.
/// The same table for `quote` (offline or through the daemon) and `explain`.
enum DecisionTable {
    static func render(_ decision: Decision) -> String { render(DecisionRecord(decision)) }

    static func render(_ record: DecisionRecord) -> String {
        var text = "Shipment \(record.shipment) · policy \(record.policy.name) (sha256 \(record.policy.sha256.prefix(12))…)\n"
        if !record.rulesApplied.isEmpty { text += "Rules applied: \(record.rulesApplied.joined(separator: "; "))\n" }
        func isChosen(_ candidate: DecisionRecord.Candidate) -> Bool {
            record.chosen?.carrier == candidate.carrier && record.chosen?.service == candidate.service
                && (record.chosen?.origin == nil || record.chosen?.origin == candidate.origin)
        }
        // Several origins (SPEC §15): every row says where it would leave from.
        let showOrigins = Set(record.candidates.compactMap(\.origin)).count > 1
        func name(_ candidate: DecisionRecord.Candidate) -> String {
            "\(candidate.carrier)/\(candidate.service)" + (showOrigins ? " from \(candidate.origin ?? "?")" : "")
        }
        if let chosen = record.candidates.first(where: isChosen) {
            text += "Chosen: \(name(chosen)) (\(chosen.serviceName))"
            if record.late { text += " — LATE: no service meets the promised date; this is the fastest" }
            text += "\n"
        } else {
            text += "HELD: no carrier service is eligible\n"
        }
        if let requested = record.requested {
            let key = "\(requested.carrier)/\(requested.service)"
            if requested.honoured {
                text += "Requested at checkout: \(key) — honoured"
                // Ranked by cost otherwise: a cheaper second means the request was moved up.
                func units(_ cost: String?) -> Int64? { cost.flatMap { Int64($0.replacingOccurrences(of: ".", with: "")) } }
                let first = record.candidates.first { $0.rank == 1 }, second = record.candidates.first { $0.rank == 2 }
                if let second, let secondCost = units(second.cost), let firstCost = units(first?.cost), secondCost < firstCost {
                    text += " (the policy alone would choose \(name(second)), cost \(second.cost ?? "-"))"
                } else {
                    text += " (also the policy's own choice)"
                }
            } else if !requested.inPanel {
                text += "Requested at checkout: \(key) — not in the carrier panel; chosen by the policy instead"
            } else {
                let why = requested.reasons.map(\.rawValue).joined(separator: ", ")
                text += "Requested at checkout: \(key) — not eligible (\(why)\(requested.origin.map { showOrigins ? " from \($0)" : "" } ?? "")); chosen by the policy instead"
            }
            text += "\n"
        }
        text += "\n"
        let ranked = record.candidates.filter { $0.eligible || (record.late && isChosen($0)) }
        if !ranked.isEmpty {
            var table = TextTable([
                ("#", .right), ("carrier/service", .left), ("price", .right), ("ETA p50", .left), ("ETA p90", .left),
                ("lead days", .right), ("CO2e g", .right), ("cost", .right),
            ])
            for candidate in ranked {
                table.add([
                    candidate.rank.map(String.init) ?? "late",
                    name(candidate),
                    candidate.price.map { "\($0) \(candidate.currency)" } ?? "-",
                    candidate.eta.map { $0.p50.description } ?? "-",
                    candidate.eta.map { $0.p90.description } ?? "-",
                    candidate.leadDays.map(String.init) ?? "-",
                    candidate.co2eG.map { String(format1: $0) } ?? "-",
                    candidate.cost ?? "-",
                ])
            }
            text += table.render()
        }
        let rejected = record.candidates.filter { !$0.eligible && !(record.late && isChosen($0)) }
        if !rejected.isEmpty {
            text += "\nNot eligible:\n"
            var table = TextTable([("carrier/service", .left), ("reasons", .left), ("price", .right), ("ETA p90", .left), ("CO2e g", .right)])
            for candidate in rejected {
                table.add([
                    name(candidate),
                    candidate.reasons.map(\.rawValue).joined(separator: ", "),
                    candidate.price.map { "\($0) \(candidate.currency)" } ?? "-",
                    candidate.eta.map { $0.p90.description } ?? "-",
                    candidate.co2eG.map { String(format1: $0) } ?? "-",
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
