/// How a retailer trades cost, lead time and emissions (`policies/<name>.toml`, SPEC §6).
///
/// An immutable value, validated whole against the carrier panel at load; a reload swaps it.
public struct Policy: Hashable, Sendable {
    public var name: String
    public var currency: String
    /// SHA-256 of the policy file's bytes, lower-case hex: which exact text made a decision.
    public var sha256: String
    /// The policy file's text, recorded with the decisions it makes.
    public var text: String
    public var prices: PolicyPrices
    public var promise: PromisePolicy
    public var constraints: PolicyConstraints
    /// Applied in file order; every matching rule applies.
    public var rules: [PolicyRule]
    /// By carrier id.
    public var allocations: [String: Allocation]

    public init(
        name: String, currency: String, sha256: String, text: String = "", prices: PolicyPrices, promise: PromisePolicy,
        constraints: PolicyConstraints, rules: [PolicyRule] = [], allocations: [String: Allocation] = [:]
    ) {
        self.name = name
        self.currency = currency
        self.sha256 = sha256
        self.text = text
        self.prices = prices
        self.promise = promise
        self.constraints = constraints
        self.rules = rules
        self.allocations = allocations
    }
}

/// What each criterion is worth, in the policy currency.
public struct PolicyPrices: Hashable, Sendable {
    /// One day of lead time.
    public var perDay: PriceRate
    /// One kilogram of CO2e: the internal carbon price.
    public var perKgCO2e: PriceRate

    public init(perDay: PriceRate, perKgCO2e: PriceRate) {
        self.perDay = perDay
        self.perKgCO2e = perKgCO2e
    }
}

/// Which ETA must meet the customer's promise, and what to do when none can.
public struct PromisePolicy: Hashable, Sendable {
    public var confidence: Percentile
    public var whenUnmeetable: WhenUnmeetable

    public init(confidence: Percentile = .p90, whenUnmeetable: WhenUnmeetable = .fastest) {
        self.confidence = confidence
        self.whenUnmeetable = whenUnmeetable
    }
}

/// `fastest` books the earliest candidate and marks the decision late; `hold` holds the shipment.
public enum WhenUnmeetable: String, CaseIterable, Sendable {
    case fastest, hold
}

/// Hard limits: a candidate that breaks one is not eligible.
public struct PolicyConstraints: Hashable, Sendable {
    /// `"carrier"` or `"carrier/service"`.
    public var exclude: Set<String>
    /// Per shipment; nil means no limit.
    public var maxCO2eGrams: Double?
    /// Allowed last-mile vehicles; empty means any.
    public var fleet: Set<String>

    public init(exclude: Set<String> = [], maxCO2eGrams: Double? = nil, fleet: Set<String> = []) {
        self.exclude = exclude
        self.maxCO2eGrams = maxCO2eGrams
        self.fleet = fleet
    }
}

/// A carrier's allocation limits (`[[allocation]]`), counted per site and per local day.
public struct Allocation: Hashable, Sendable {
    public var carrier: String
    /// The largest share of the site's shipments booked today, enforced once
    /// ``Allocation/shareThreshold`` are booked.
    public var maxShare: Double?
    /// Shipments the carrier may take from the site today.
    public var dailyCap: Int?

    /// Below this many bookings at a site today, shares are not enforced (SPEC §6).
    public static let shareThreshold = 20

    public init(carrier: String, maxShare: Double? = nil, dailyCap: Int? = nil) {
        self.carrier = carrier
        self.maxShare = maxShare
        self.dailyCap = dailyCap
    }

    /// Whether one more booking for this carrier would break a limit, given what the site
    /// has booked today.
    public func isExhausted(carrierBookedToday carrierCount: Int, siteBookedToday siteTotal: Int) -> Bool {
        if let dailyCap, carrierCount >= dailyCap { return true }
        if let maxShare, siteTotal >= Allocation.shareThreshold {
            // The share this booking would bring the carrier to.
            return Double(carrierCount + 1) / Double(siteTotal + 1) > maxShare
        }
        return false
    }
}
