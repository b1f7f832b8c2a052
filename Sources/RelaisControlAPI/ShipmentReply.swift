/// `GET /v1/shipments/{id}` (SPEC §10), and each item of `GET /v1/shipments` (without
/// `attempts`).
public struct ShipmentReply: Codable, Hashable, Sendable {
    public var id: String
    public var state: String
    public var orders: [String]
    public var site: String
    public var carrier: String?
    public var service: String?
    public var trackingNumber: String?
    /// Decimal string in `currency`, as decided (`"6.90"`).
    public var price: String?
    public var currency: String?
    /// The promised date (p90 ETA), `YYYY-MM-DD`.
    public var eta: String?
    /// Well-to-wheel greenhouse-gas emissions of the chosen service, grams CO2e.
    public var co2eGrams: Double?
    /// The figure owed to the customer, with its data quality and method; null while held.
    public var ghg: GHGReply?
    public var late: Bool
    public var labelPath: String?
    /// Why it is held, deferred, uncertain or failed.
    public var reason: String?
    /// ISO 8601 UTC.
    public var nextAttemptAt: String?
    public var createdAt: String
    public var updatedAt: String
    public var attempts: [AttemptReply]?
    /// Outbox events only (SPEC §12): the carrier's public tracking page for this shipment.
    public var trackingURL: String?
    /// Outbox events only: the earliest `promised_by` of its orders, `YYYY-MM-DD`.
    public var promisedBy: String?
    /// Outbox events only, for endpoints with `include_label`.
    public var label: LabelReply?
    /// The tracking status (SPEC §13), for a tracked shipment: in its own view and in
    /// `shipment.tracking` events.
    public var tracking: ShipmentTrackingReply?
    /// A return's request (SPEC §14), under the key `return`; absent for an outbound shipment.
    public var returnOf: ReturnReply?

    public init(
        id: String, state: String, orders: [String], site: String, carrier: String?, service: String?,
        trackingNumber: String?, price: String?, currency: String?, eta: String?, co2eGrams: Double?, ghg: GHGReply? = nil, late: Bool,
        labelPath: String?, reason: String?, nextAttemptAt: String?, createdAt: String, updatedAt: String,
        attempts: [AttemptReply]?
    ) {
        self.id = id
        self.state = state
        self.orders = orders
        self.site = site
        self.carrier = carrier
        self.service = service
        self.trackingNumber = trackingNumber
        self.price = price
        self.currency = currency
        self.eta = eta
        self.co2eGrams = co2eGrams
        self.ghg = ghg
        self.late = late
        self.labelPath = labelPath
        self.reason = reason
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case id, state, orders, site, carrier, service, trackingNumber = "tracking_number", price, currency, eta
        case co2eGrams = "co2e_g", ghg, late, labelPath = "label_path", reason, nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at", updatedAt = "updated_at", attempts
        case trackingURL = "tracking_url", promisedBy = "promised_by", label, tracking, returnOf = "return"
    }

    /// Every key present, `null` when empty, so scripts can rely on the shape; `attempts`
    /// only in the single-shipment view.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(state, forKey: .state)
        try c.encode(orders, forKey: .orders)
        try c.encode(site, forKey: .site)
        try c.encode(carrier, forKey: .carrier)
        try c.encode(service, forKey: .service)
        try c.encode(trackingNumber, forKey: .trackingNumber)
        try c.encode(price, forKey: .price)
        try c.encode(currency, forKey: .currency)
        try c.encode(eta, forKey: .eta)
        try c.encode(co2eGrams, forKey: .co2eGrams)
        try c.encode(ghg, forKey: .ghg)
        try c.encode(late, forKey: .late)
        try c.encode(labelPath, forKey: .labelPath)
        try c.encode(reason, forKey: .reason)
        try c.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(attempts, forKey: .attempts)
        try c.encodeIfPresent(trackingURL, forKey: .trackingURL)
        try c.encodeIfPresent(promisedBy, forKey: .promisedBy)
        try c.encodeIfPresent(tracking, forKey: .tracking)
        try c.encodeIfPresent(returnOf, forKey: .returnOf)
        try c.encodeIfPresent(label, forKey: .label)
    }
}

/// A shipment's label inline, in an outbox event for an endpoint with `include_label`.
public struct LabelReply: Codable, Hashable, Sendable {
    /// `pdf`, `zpl`, …: the label file's extension.
    public var format: String
    public var base64: String

    public init(format: String, base64: String) {
        self.format = format
        self.base64 = base64
    }
}

/// What a return shipment brings back (SPEC §14): `{"id", "order", "reason"}`, the shop's
/// return id and order as `POST /v1/returns` named them.
public struct ReturnReply: Codable, Hashable, Sendable {
    public var id: String
    public var order: String
    /// The customer's reason, if the shop gave one; `null` otherwise.
    public var reason: String?

    public init(id: String, order: String, reason: String?) {
        self.id = id
        self.order = order
        self.reason = reason
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(order, forKey: .order)
        try c.encode(reason, forKey: .reason)
    }

    enum CodingKeys: String, CodingKey { case id, order, reason }
}

/// One carrier call of a shipment.
public struct AttemptReply: Codable, Hashable, Sendable {
    public var carrier: String
    public var service: String
    public var startedAt: String
    public var finishedAt: String?
    /// `booked`, `deferred`, `failover`, `uncertain`, `failed`, …
    public var outcome: String?
    /// `transient` | `permanent` | `unknown-outcome`.
    public var failureClass: String?
    public var httpStatus: Int?
    public var durationMilliseconds: Int?
    public var detail: String?

    public init(
        carrier: String, service: String, startedAt: String, finishedAt: String?, outcome: String?, failureClass: String?,
        httpStatus: Int?, durationMilliseconds: Int?, detail: String?
    ) {
        self.carrier = carrier
        self.service = service
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.failureClass = failureClass
        self.httpStatus = httpStatus
        self.durationMilliseconds = durationMilliseconds
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case carrier, service, startedAt = "started_at", finishedAt = "finished_at", outcome
        case failureClass = "failure_class", httpStatus = "http_status", durationMilliseconds = "duration_ms", detail
    }
}

/// `GET /v1/shipments`.
public struct ShipmentListReply: Codable, Hashable, Sendable {
    public var shipments: [ShipmentReply]

    public init(shipments: [ShipmentReply]) { self.shipments = shipments }
}
