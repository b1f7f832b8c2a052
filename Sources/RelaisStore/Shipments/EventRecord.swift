import RelaisCore

/// One line of the event log.
public struct EventRecord: Hashable, Sendable {
    public var at: Int64
    public var kind: EventKind
    public var shipmentID: String?
    public var orderID: String?
    public var actor: String
    public var uid: Int64?
    public var detail: String

    public init(
        at: Int64,
        kind: EventKind,
        shipmentID: String? = nil,
        orderID: String? = nil,
        actor: String,
        uid: Int64? = nil,
        detail: String
    ) {
        self.at = at
        self.kind = kind
        self.shipmentID = shipmentID
        self.orderID = orderID
        self.actor = actor
        self.uid = uid
        self.detail = detail
    }
}
