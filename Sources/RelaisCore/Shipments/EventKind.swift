/// What a line of the event log records: written and queried through this type, so a kind
/// is spelt in one place (`relaisctl report carriers` counts `carrier.breaker-opened`; the
/// control API lists `shipment.hold`).
public struct EventKind: Hashable, Sendable, CustomStringConvertible {
    /// The name stored in the event log.
    public let name: String

    init(_ name: String) { self.name = name }

    /// A kind read back from the log; kinds this version does not name (written by a
    /// newer one) are kept as they are.
    public init(recorded name: String) { self.name = name }

    public var description: String { name }

    /// A shipment was created with its decision.
    public static let shipmentCreated = EventKind("shipment.created")
    /// An order arrived again under a known id with other content: refused, the first stays.
    public static let orderConflict = EventKind("order.conflict")
    /// A carrier's circuit breaker opened (committed with the outcome that opened it).
    public static let breakerOpened = EventKind("carrier.breaker-opened")
    /// A configuration reload, applied or refused.
    public static let reload = EventKind("reload")
    /// Orders submitted through `POST /v1/orders`.
    public static let ordersSubmitted = EventKind("api.orders")
    /// A write through the control socket that was refused (403, 404, 409), with the peer's uid.
    public static let writeRefused = EventKind("api.refused")

    /// An outbox event was not delivered to an endpoint after the last retry.
    public static let outboxDead = EventKind("outbox.dead")
    /// An endpoint answered 410 Gone and was disabled until an operator enables it.
    public static let outboxEndpointDisabled = EventKind("outbox.endpoint-disabled")
    /// An operator enabled an endpoint again.
    public static let outboxEndpointEnabled = EventKind("outbox.endpoint-enabled")
    /// An operator replayed an event to its endpoints.
    public static let outboxReplay = EventKind("outbox.replay")

    /// A cancel was sent to the carrier of a booked shipment and its outcome is not known
    /// yet: it is asked again until the carrier answers (SPEC §14).
    public static let cancelPending = EventKind("shipment.cancel-pending")
    /// The carrier refused to cancel a booked shipment, or the rules of SPEC §14 did.
    public static let cancelRefused = EventKind("shipment.cancel-refused")

    /// A manifest's shipments were chosen; its carrier call and files follow (SPEC §14).
    public static let manifestClosing = EventKind("manifest.closing")
    /// A manifest was closed: files written, the carrier answered.
    public static let manifestClosed = EventKind("manifest.closed")

    /// A lifecycle event applied to a shipment: `shipment.<name>`.
    public static func shipment(_ event: ShipmentEvent) -> EventKind {
        let name: String =
            switch event {
            case .claim: "claim"
            case .booked: "booked"
            case .transientFailure: "deferred"
            case .permanentFailure: "failed"
            case .failover: "failover"
            case .outcomeUnknown, .recoveredAfterCrash: "uncertain"
            case .reconciled(let booked): booked ? "reconciled-booked" : "reconciled-not-booked"
            case .hold: "hold"
            case .release: "release"
            case .retry: "retry"
            case .requeue: "requeue"
            case .fail: "fail"
            case .policyHold: "held"
            case .cancel: "cancel"
            case .cancelledAtCarrier: "cancelled-at-carrier"
            }
        return EventKind("shipment." + name)
    }
}
