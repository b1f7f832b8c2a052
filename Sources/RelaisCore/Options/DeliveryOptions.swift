/// The delivery options of a cart, per mode (SPEC §15): for each, the option the decision
/// would choose (`recommended`) and, where different, the cheapest, the fastest and the
/// lowest-emission ones. Pure: the engine, the cart's shipments and the context are the
/// only inputs, and nothing is recorded.
public struct DeliveryOptions: Hashable, Sendable {
    /// A mode nothing can carry the cart in, and why.
    public struct Unavailable: Hashable, Sendable {
        public var mode: DeliveryMode
        /// Every reason that rules out a service of this mode (`mode` when the panel has
        /// none); ``summary`` counts them.
        public var reasons: ReasonSet
        /// `"coverage ×2, weight ×1"`.
        public var summary: String
    }

    public var options: [DeliveryOption]
    public var unavailable: [Unavailable]

    /// Decides `shipment` once per mode of `modes` (in that order) and keeps the options.
    public static func make(
        for shipment: Shipment, modes: [DeliveryMode], engine: DecisionEngine, context: DecisionContext = .offline
    ) -> DeliveryOptions {
        var result = DeliveryOptions(options: [], unavailable: [])
        for mode in modes {
            var inMode = shipment
            inMode.deliveryMode = mode
            inMode.relayPoint = mode.needsRelayPoint ? (shipment.relayPoint ?? "cart") : nil
            let decision = engine.decide(inMode, context: context)
            let confidence = engine.policy.effective(for: inMode).promise.confidence
            guard let chosen = decision.chosen else {
                result.unavailable.append(unavailable(mode, decision))
                continue
            }
            // The pool the tags are drawn from: the eligible candidates, or, for a late
            // decision, those that miss only the promise.
            let pool = decision.late
                ? decision.candidates.filter { $0.reasons == .promise }
                : decision.candidates.filter(\.isEligible)
            var picks: [(CandidateEvaluation, DeliveryOption.Tag)] = [(chosen, .recommended)]
            if let cheapest = pool.min(by: { by($0, $1, \.price?.minorUnits) }) { picks.append((cheapest, .cheapest)) }
            if let fastest = pool.min(by: { by($0, $1, { $0.eta.map { $0[confidence].dayNumber } }) }) {
                picks.append((fastest, .fastest))
            }
            if let greenest = pool.min(by: { by($0, $1, \.co2eGrams) }) { picks.append((greenest, .lowestCO2e)) }
            var options: [DeliveryOption] = []
            for (candidate, tag) in picks {
                if let index = options.firstIndex(where: { $0.candidate.key == candidate.key && $0.candidate.origin == candidate.origin }) {
                    options[index].tags.append(tag)
                } else {
                    var tags = [tag]
                    if tag == .recommended, decision.late { tags.append(.late) }
                    options.append(
                        DeliveryOption(
                            mode: mode, candidate: candidate, deliveryDate: candidate.eta![confidence], confidence: confidence,
                            tags: tags))
                }
            }
            for index in options.indices {
                options[index].tags.sort { DeliveryOption.Tag.allCases.firstIndex(of: $0)! < DeliveryOption.Tag.allCases.firstIndex(of: $1)! }
            }
            result.options += options
        }
        return result
    }

    /// Lower figure first; ties (and missing figures) go to the decision's order.
    private static func by<Value: Comparable>(
        _ lhs: CandidateEvaluation, _ rhs: CandidateEvaluation, _ figure: (CandidateEvaluation) -> Value?
    ) -> Bool {
        let a = figure(lhs), b = figure(rhs)
        if a != b {
            guard let a else { return false }
            guard let b else { return true }
            return a < b
        }
        return DecisionEngine.ranksBefore(lhs, rhs)
    }

    private static func unavailable(_ mode: DeliveryMode, _ decision: Decision) -> Unavailable {
        // Services of other modes fail on `mode`: they say nothing about this one.
        let own = decision.candidates.filter { !$0.reasons.contains(.mode) }
        guard !own.isEmpty else {
            return Unavailable(mode: mode, reasons: .mode, summary: "no service of the panel delivers to \(mode.rawValue)")
        }
        var reasons = ReasonSet()
        var counts: [ReasonCode: Int] = [:]
        for candidate in own {
            reasons.formUnion(candidate.reasons)
            for code in candidate.reasons.codes { counts[code, default: 0] += 1 }
        }
        let summary = ReasonCode.allCases.compactMap { code in counts[code].map { "\(code.rawValue) ×\($0)" } }
        return Unavailable(mode: mode, reasons: reasons, summary: summary.joined(separator: ", "))
    }
}
