/// What the decision needs to know about the world beyond the shipment: today's bookings
/// at the shipment's origins (for allocations) and which carriers' circuits are open.
///
/// Passed in, never looked up, so the engine stays pure: offline quotes use ``offline``.
public struct DecisionContext: Sendable {
    /// Shipments booked today at the shipment's site, all carriers; for an origin not in
    /// ``bookedTodayBySite``.
    public var siteBookedToday: Int
    /// Shipments booked today at the shipment's site, by carrier id; for an origin not in
    /// ``bookedTodayBySite``.
    public var carrierBookedToday: [String: Int]
    /// Today's bookings per site id, for shipments with several origins: allocations are
    /// counted at the site a candidate leaves from (SPEC §15).
    public var bookedTodayBySite: [String: SiteBookings]
    /// Carriers whose circuit breaker is open (the `health` reason).
    public var openCircuits: Set<String>

    public init(
        siteBookedToday: Int = 0, carrierBookedToday: [String: Int] = [:], bookedTodayBySite: [String: SiteBookings] = [:],
        openCircuits: Set<String> = []
    ) {
        self.siteBookedToday = siteBookedToday
        self.carrierBookedToday = carrierBookedToday
        self.bookedTodayBySite = bookedTodayBySite
        self.openCircuits = openCircuits
    }

    /// Nothing booked, every circuit closed.
    public static let offline = DecisionContext()

    /// Today's bookings at `site`.
    public func bookings(at site: String) -> SiteBookings {
        bookedTodayBySite[site] ?? SiteBookings(total: siteBookedToday, perCarrier: carrierBookedToday)
    }
}
