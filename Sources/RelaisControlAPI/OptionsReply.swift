import RelaisCore

/// `POST /v1/options` (SPEC §15): a cart's delivery options per mode; nothing is stored.
/// A cart nothing can carry gets an empty `options` list and `unavailable` says why, per
/// mode.
public struct OptionsReply: Codable, Hashable, Sendable {
    public struct PolicyRef: Codable, Hashable, Sendable {
        public var name: String
        public var sha256: String
    }

    public struct Option: Codable, Hashable, Sendable {
        public var mode: String
        public var carrier: String
        public var service: String
        public var serviceName: String
        public var origin: String
        /// To the cent, as a decimal string.
        public var price: String
        public var currency: String
        public var eta: DecisionRecord.Dates
        /// The ETA at ``confidence``: the date to show the customer.
        public var deliveryDate: CivilDate
        /// `p50`, `p90` or `p99`: the policy's confidence.
        public var confidence: String
        /// Grams, to 0.1 g.
        public var co2eG: Double
        /// To 4 places, as a decimal string.
        public var cost: String
        /// `recommended`, `cheapest`, `fastest`, `lowest_co2e`, and `late` when no service
        /// meets `promised_by`.
        public var tags: [String]

        enum CodingKeys: String, CodingKey {
            case mode, carrier, service, serviceName = "service_name", origin, price, currency, eta
            case deliveryDate = "delivery_date", confidence, co2eG = "co2e_g", cost, tags
        }
    }

    public struct Unavailable: Codable, Hashable, Sendable {
        public var mode: String
        /// Reason codes of SPEC §7.1 that rule out every service of the mode.
        public var reasons: [ReasonCode]
        /// `"coverage ×2, weight ×1"`.
        public var detail: String
    }

    public var policy: PolicyRef
    public var options: [Option]
    public var unavailable: [Unavailable]
    public var warnings: [String]

    public init(policy: Policy, options: DeliveryOptions, currency: String, warnings: [String] = []) {
        self.policy = PolicyRef(name: policy.name, sha256: policy.sha256)
        self.options = options.options.map { option in
            let candidate = option.candidate
            return Option(
                mode: option.mode.rawValue, carrier: candidate.key.carrier, service: candidate.key.service,
                serviceName: candidate.serviceName, origin: candidate.origin ?? "",
                price: candidate.price?.description ?? "", currency: currency,
                eta: candidate.eta.map { DecisionRecord.Dates(p50: $0.p50, p90: $0.p90, p99: $0.p99) }
                    ?? DecisionRecord.Dates(p50: option.deliveryDate, p90: option.deliveryDate, p99: option.deliveryDate),
                deliveryDate: option.deliveryDate, confidence: option.confidence.rawValue,
                co2eG: ((candidate.co2eGrams ?? 0) * 10).rounded() / 10, cost: candidate.cost?.description ?? "",
                tags: option.tags.map(\.rawValue))
        }
        self.unavailable = options.unavailable.map {
            Unavailable(mode: $0.mode.rawValue, reasons: $0.reasons.codes, detail: $0.summary)
        }
        self.warnings = warnings
    }
}
