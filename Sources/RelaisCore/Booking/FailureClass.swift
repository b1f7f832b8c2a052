/// What a failed carrier call means for the shipment (SPEC §9).
public enum FailureClass: String, Hashable, Sendable, Codable {
    /// The carrier did not book, and may well tomorrow: connect error, timeout before the
    /// request was sent, 5xx, 429, a SOAP Server fault. Deferred with backoff.
    case transient
    /// The carrier did not book, and will not: 4xx, a validation error. The next eligible
    /// candidate is tried.
    case permanent
    /// The carrier may have booked: a timeout after the request was sent, a reply that
    /// cannot be read. The shipment is `uncertain` and never booked elsewhere unreconciled.
    case unknownOutcome = "unknown-outcome"
}
