/// Shipments booked today at one site: in all and per carrier id.
public struct SiteBookings: Hashable, Sendable {
    public var total: Int
    public var perCarrier: [String: Int]

    public init(total: Int = 0, perCarrier: [String: Int] = [:]) {
        self.total = total
        self.perCarrier = perCarrier
    }

    /// Counts one more booking for `carrier`.
    public mutating func add(carrier: String) {
        total += 1
        perCarrier[carrier, default: 0] += 1
    }
}
