/// Where the parcel is handed over: at home, at a relay point, in a locker or in a store.
public enum DeliveryMode: String, CaseIterable, Codable, Hashable, Sendable {
    case home, relay, locker, store

    /// `relay` and `locker` deliveries name the point chosen by the customer.
    public var needsRelayPoint: Bool { self == .relay || self == .locker }
}
