/// A `[[rule]]`: when its condition matches a shipment, its settings apply (SPEC §6).
public struct PolicyRule: Hashable, Sendable {
    public var name: String
    public var when: RuleCondition
    public var perDay: PriceRate?
    public var perKgCO2e: PriceRate?
    public var confidence: Percentile?
    public var whenUnmeetable: WhenUnmeetable?
    /// Added to the excluded set (a union).
    public var exclude: Set<String>
    /// Replaces the allowed fleet.
    public var fleet: Set<String>?
    /// The smaller of this and the current limit applies.
    public var maxCO2eGrams: Double?

    public init(
        name: String, when: RuleCondition, perDay: PriceRate? = nil, perKgCO2e: PriceRate? = nil,
        confidence: Percentile? = nil, whenUnmeetable: WhenUnmeetable? = nil, exclude: Set<String> = [],
        fleet: Set<String>? = nil, maxCO2eGrams: Double? = nil
    ) {
        self.name = name
        self.when = when
        self.perDay = perDay
        self.perKgCO2e = perKgCO2e
        self.confidence = confidence
        self.whenUnmeetable = whenUnmeetable
        self.exclude = exclude
        self.fleet = fleet
        self.maxCO2eGrams = maxCO2eGrams
    }
}

/// The `when` of a rule. Every key present must match; a list means any of; bounds are inclusive.
public struct RuleCondition: Hashable, Sendable {
    public var serviceLevels: Set<ServiceLevel>?
    public var deliveryModes: Set<DeliveryMode>?
    public var destinations: [ZonePattern]?
    public var sites: Set<String>?
    /// Matches when the shipment has any of these tags.
    public var tags: Set<String>?
    /// On the shipment's total actual weight.
    public var weightKg: ClosedBounds<Double>?
    /// On the shipment's total value, in the policy currency; a shipment with no value, or
    /// a value in another currency, does not match.
    public var value: ClosedBounds<Money>?
    /// `outbound` or `return` (SPEC §14); set after `init`.
    public var directions: Set<Direction>?

    public init(
        serviceLevels: Set<ServiceLevel>? = nil, deliveryModes: Set<DeliveryMode>? = nil,
        destinations: [ZonePattern]? = nil, sites: Set<String>? = nil, tags: Set<String>? = nil,
        weightKg: ClosedBounds<Double>? = nil, value: ClosedBounds<Money>? = nil
    ) {
        self.serviceLevels = serviceLevels
        self.deliveryModes = deliveryModes
        self.destinations = destinations
        self.sites = sites
        self.tags = tags
        self.weightKg = weightKg
        self.value = value
    }

    public func matches(_ shipment: Shipment, currency: String) -> Bool {
        if let serviceLevels, !serviceLevels.contains(shipment.serviceLevel) { return false }
        if let deliveryModes, !deliveryModes.contains(shipment.deliveryMode) { return false }
        if let directions, !directions.contains(shipment.direction) { return false }
        if let destinations {
            let destination = shipment.recipient.destination
            guard destinations.contains(where: { $0.matches(destination) }) else { return false }
        }
        if let sites, !sites.contains(shipment.site.id) { return false }
        if let tags, !shipment.tags.contains(where: tags.contains) { return false }
        if let weightKg, !weightKg.contains(shipment.totalWeightKg) { return false }
        if let value {
            guard let shipmentValue = shipment.value, shipmentValue.currency == currency,
                value.contains(shipmentValue.amount)
            else { return false }
        }
        return true
    }
}

/// Inclusive bounds, either of which may be open: `{ min = 5 }`, `{ max = 30 }`.
public struct ClosedBounds<Bound: Comparable & Hashable & Sendable>: Hashable, Sendable {
    public var min: Bound?
    public var max: Bound?

    public init(min: Bound? = nil, max: Bound? = nil) {
        self.min = min
        self.max = max
    }

    public func contains(_ value: Bound) -> Bool {
        if let min, value < min { return false }
        if let max, value > max { return false }
        return true
    }
}
