/// One carrier call of a shipment, as recorded.
public struct AttemptRecord: Hashable, Sendable {
    public var carrier: String
    public var service: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var outcome: String?
    public var failureClass: String?
    public var httpStatus: Int?
    public var durationMilliseconds: Int?
    public var trackingNumber: String?
    public var detail: String?

    public init(
        carrier: String,
        service: String,
        startedAt: Int64,
        finishedAt: Int64? = nil,
        outcome: String? = nil,
        failureClass: String? = nil,
        httpStatus: Int? = nil,
        durationMilliseconds: Int? = nil,
        trackingNumber: String? = nil,
        detail: String? = nil
    ) {
        self.carrier = carrier
        self.service = service
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.failureClass = failureClass
        self.httpStatus = httpStatus
        self.durationMilliseconds = durationMilliseconds
        self.trackingNumber = trackingNumber
        self.detail = detail
    }
}
