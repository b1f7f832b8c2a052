/// What a carrier's lookup by our reference said about an uncertain booking: the adapter's
/// answer, and what the store records.
public enum LookupResult: Hashable, Sendable {
    /// The carrier holds a booking under our reference, with this tracking number.
    case booked(trackingNumber: String)
    case notBooked
    /// The carrier could not say (an error, an unreadable reply): ask again later.
    case inconclusive(String)
}
