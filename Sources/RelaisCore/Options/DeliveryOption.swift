/// One delivery option offered at checkout (SPEC §15): a (service, origin) pair of a
/// mode, with the date the policy's confidence promises and why it is offered.
public struct DeliveryOption: Hashable, Sendable {
    /// Why an option is on the list. Declaration order is the order tags are listed in.
    public enum Tag: String, CaseIterable, Codable, Sendable {
        /// What the decision would choose for an order in this mode.
        case recommended
        /// The lowest price.
        case cheapest
        /// The earliest `delivery_date`.
        case fastest
        /// The lowest CO2e.
        case lowestCO2e = "lowest_co2e"
        /// No service meets `promised_by`: this one is the fastest of those that miss it.
        case late
    }

    public var mode: DeliveryMode
    /// The candidate as the decision scored it: service, origin, price, ETAs, CO2e, cost.
    public var candidate: CandidateEvaluation
    /// The ETA at ``confidence``.
    public var deliveryDate: CivilDate
    public var confidence: Percentile
    public var tags: [Tag]

    public init(mode: DeliveryMode, candidate: CandidateEvaluation, deliveryDate: CivilDate, confidence: Percentile, tags: [Tag]) {
        self.mode = mode
        self.candidate = candidate
        self.deliveryDate = deliveryDate
        self.confidence = confidence
        self.tags = tags
    }
}
