/// A shipment's normalised tracking status (SPEC §13): what every carrier's own event codes
/// are mapped to, in carrier.toml's `[api.track.statuses]`.
///
/// The raw value is the name carrier.toml, the control API and outbox events use.
public enum TrackingStatus: String, CaseIterable, Codable, Hashable, Sendable {
    case preTransit = "pre_transit"
    case inTransit = "in_transit"
    case outForDelivery = "out_for_delivery"
    case availableForPickup = "available_for_pickup"
    case delivered
    case deliveryFailed = "delivery_failed"
    case returnedToSender = "returned_to_sender"
    case exception
    case cancelled
    /// A code carrier.toml does not map: recorded with its code and label, counted, so that
    /// an operator sees what to map.
    case unknown

    /// Terminal statuses end tracking, and are never replaced by a non-terminal one.
    public var isTerminal: Bool {
        switch self {
        case .delivered, .returnedToSender, .cancelled: true
        case .preTransit, .inTransit, .outForDelivery, .availableForPickup, .deliveryFailed, .exception, .unknown: false
        }
    }

    /// The parcel is about to reach its recipient: polled more often
    /// (`[tracking] out_for_delivery_every`).
    public var isNearDelivery: Bool { self == .outForDelivery || self == .availableForPickup }

    /// How far along a journey the status is, to order events of the same time: before
    /// the carrier has it, moving, held up, at the door or the relay point, over.
    public var stage: Int {
        switch self {
        case .unknown: 0
        case .preTransit: 1
        case .inTransit: 2
        case .exception, .deliveryFailed: 3
        case .outForDelivery, .availableForPickup: 4
        case .delivered, .returnedToSender, .cancelled: 5
        }
    }

    /// The names carrier.toml may write, for error messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}
