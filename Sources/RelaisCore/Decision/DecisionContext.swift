/// What the decision needs to know about the world beyond the shipment: today's bookings
/// at the shipment's site (for allocations) and which carriers' circuits are open.
///
/// Passed in, never looked up, so the engine stays pure: offline quotes use ``offline``.
public struct DecisionContext: Sendable {
    /// Shipments booked today at the shipment's site, all carriers.
    public var siteBookedToday: Int
    /// Shipments booked today at the shipment's site, by carrier id.
    public var carrierBookedToday: [String: Int]
    /// Carriers whose circuit breaker is open (the `health` reason).
    public var openCircuits: Set<String>

    public init(siteBookedToday: Int = 0, carrierBookedToday: [String: Int] = [:], openCircuits: Set<String> = []) {
        self.siteBookedToday = siteBookedToday
        self.carrierBookedToday = carrierBookedToday
        self.openCircuits = openCircuits
    }

    /// Nothing booked, every circuit closed.
    public static let offline = DecisionContext()
}
