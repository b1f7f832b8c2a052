/// Which orders ship together, and when their shipment is released to decision (SPEC §4).
///
/// Orders consolidate when they share a ``consolidationKey(for:)`` (site or origins, normalised
/// recipient and address, delivery mode and relay point, service level) and are ready
/// within the window of the group's first order; the group is released when that window
/// closes. A window of 0 turns consolidation off: every order is a shipment of its own.
public enum Consolidation {
    /// An accepted order waiting for its shipment.
    public struct Pending: Hashable, Sendable {
        public var orderID: String
        public var key: String
        /// Seconds since the Unix epoch.
        public var readyAt: Int64

        public init(orderID: String, key: String, readyAt: Int64) {
            self.orderID = orderID
            self.key = key
            self.readyAt = readyAt
        }
    }

    /// Orders with different origin lists, or that asked for different services at
    /// checkout, never share a key; an order without `requested_service` keeps the key it
    /// had before the field existed.
    public static func consolidationKey(for order: Order) -> String {
        var key = [
            order.site, order.deliveryMode.rawValue, order.relayPoint ?? "", order.serviceLevel.rawValue,
            AddressKey.make(order.recipient),
        ].joined(separator: "#")
        if let requested = order.requestedService { key += "#requested=\(requested)" }
        return key
    }

    /// The groups whose window has closed at `now` (seconds), each in ready order; orders
    /// of groups still open are left for a later call.
    public static func dueGroups(_ pending: [Pending], windowSeconds window: Int64, now: Int64) -> [[Pending]] {
        if window <= 0 { return pending.map { [$0] } }
        var byKey: [String: [Pending]] = [:]
        for order in pending { byKey[order.key, default: []].append(order) }
        var due: [[Pending]] = []
        for key in byKey.keys.sorted() {
            let orders = byKey[key]!.sorted { ($0.readyAt, $0.orderID) < ($1.readyAt, $1.orderID) }
            var start = 0
            while start < orders.count {
                let closesAt = orders[start].readyAt + window
                guard closesAt <= now else { break }  // later groups close later still
                var end = start + 1
                while end < orders.count, orders[end].readyAt <= closesAt { end += 1 }
                due.append(Array(orders[start..<end]))
                start = end
            }
        }
        return due
    }
}
