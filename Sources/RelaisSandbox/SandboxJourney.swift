/// A parcel's journey as relais-sandbox plays it (docs/carriers.md, "Tracking in the
/// sandbox"): the stages a parcel passes, when each happens and when the carrier starts
/// reporting it, in steps of `SandboxKnobs.journeyStepMilliseconds` after the booking.
///
/// Stages are statuses by name; sandbox.toml's `[track.codes]` gives each the carrier's own
/// code, so the daemon reads every journey through the carrier's real mapping.
public enum SandboxJourney: String, Hashable, Sendable, Codable, CaseIterable {
    /// pre_transit, in_transit, out_for_delivery, delivered.
    case normal
    /// Out for delivery, a failed delivery, out for delivery again, delivered.
    case failedThenDelivered = "failed-then-delivered"
    /// In transit, available for pickup at a relay point, delivered (collected).
    case relay
    /// Out for delivery, failed, returned to sender.
    case returnToSender = "return"
    /// Delivered is reported before in transit and out for delivery, which happened
    /// earlier: the late events are recorded, the status stays delivered.
    case outOfOrder = "out-of-order"
    /// The normal journey, every event listed twice.
    case duplicates
    /// A code the carrier's mapping does not know between known ones.
    case unknownCodes = "unknown-codes"
    /// A parcel the carrier never reports on.
    case noEvents = "no-events"

    /// One event of the journey.
    public struct Step: Hashable, Sendable {
        /// A status name, or `unknown` for a code no mapping knows.
        public var stage: String
        /// When it happened, in steps after the booking.
        public var happened: Int
        /// When the carrier starts reporting it, in steps after the booking.
        public var reported: Int
    }

    /// The journey's events, in the order the carrier lists them once reported.
    public var steps: [Step] {
        func plain(_ stages: [String]) -> [Step] {
            stages.enumerated().map { Step(stage: $0.element, happened: $0.offset + 1, reported: $0.offset + 1) }
        }
        switch self {
        case .normal, .duplicates:
            return plain(["pre_transit", "in_transit", "out_for_delivery", "delivered"])
        case .failedThenDelivered:
            return plain(["pre_transit", "in_transit", "out_for_delivery", "delivery_failed", "out_for_delivery", "delivered"])
        case .relay:
            return plain(["pre_transit", "in_transit", "available_for_pickup", "delivered"])
        case .returnToSender:
            return plain(["pre_transit", "in_transit", "out_for_delivery", "delivery_failed", "returned_to_sender"])
        case .outOfOrder:
            return [
                Step(stage: "pre_transit", happened: 1, reported: 1),
                Step(stage: "delivered", happened: 4, reported: 2),
                Step(stage: "in_transit", happened: 2, reported: 3),
                Step(stage: "out_for_delivery", happened: 3, reported: 3),
            ]
        case .unknownCodes:
            return plain(["pre_transit", "unknown", "in_transit", "delivered"])
        case .noEvents:
            return []
        }
    }

    /// How many times the carrier lists each event.
    public var copies: Int { self == .duplicates ? 2 : 1 }

    /// The steps after which the whole journey has been reported.
    public var length: Int { steps.map(\.reported).max() ?? 0 }
}
