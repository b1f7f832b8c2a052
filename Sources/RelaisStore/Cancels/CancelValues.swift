import RelaisCore

/// A cancel that needs the carrier: the booked shipment, its carrier and the tracking
/// number the carrier gave it (SPEC §14).
public struct CancelJob: Hashable, Sendable, Codable {
    public var shipmentID: String
    public var carrier: String
    public var trackingNumber: String
    /// Calls already made for this cancel, this one excluded.
    public var attempts: Int
    /// Asked again after an unknown outcome or a crash: a transient failure keeps it
    /// pending rather than giving it up, since the operator was told it is pending.
    public var retrying: Bool

    public init(shipmentID: String, carrier: String, trackingNumber: String, attempts: Int, retrying: Bool) {
        self.shipmentID = shipmentID
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.attempts = attempts
        self.retrying = retrying
    }
}

/// What asking to cancel a shipment comes to before any carrier call.
public enum CancelStart: Hashable, Sendable, Codable {
    /// Not at a carrier yet: cancelled in the same transaction.
    case cancelled
    /// Booked: the cancel is recorded as an intent; call the carrier, then
    /// ``CancelLedger/finishCancel(_:result:actor:now:retryAt:)``.
    case callCarrier(CancelJob)
}

/// What the carrier's cancel call came to.
public enum CancelCallResult: Hashable, Sendable {
    /// Cancelled at the carrier (or the carrier cancels locally: it bills only what it scans).
    case cancelled
    /// The carrier refused: the shipment stays booked.
    case refused(String)
    /// Nothing reached the carrier, or it failed transiently: it did not cancel.
    case notCancelled(String)
    /// Sent, but the answer was lost: the carrier may have cancelled.
    case unknown(String)
}

/// How a cancel ended, as the operator hears of it.
public enum CancelEnd: Hashable, Sendable, Codable {
    case cancelled
    /// Refused (409), with the reason.
    case refused(String)
    /// Not done, nothing recorded: try again later (503).
    case unavailable(String)
    /// Recorded as pending and asked again until the carrier answers; never reported done
    /// before then (202).
    case pending(String)
}
