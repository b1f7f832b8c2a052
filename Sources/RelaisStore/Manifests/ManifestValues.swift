import RelaisCore

/// One line of a manifest: a booked shipment the driver takes.
public struct ManifestLine: Hashable, Sendable, Codable {
    public var shipmentID: String
    public var trackingNumber: String
    public var service: String
    public var parcels: Int
    public var weightKg: Double
    public var orderIDs: [String]

    public init(shipmentID: String, trackingNumber: String, service: String, parcels: Int, weightKg: Double, orderIDs: [String]) {
        self.shipmentID = shipmentID
        self.trackingNumber = trackingNumber
        self.service = service
        self.parcels = parcels
        self.weightKg = weightKg
        self.orderIDs = orderIDs
    }
}

/// A manifest as recorded: `closing` from the moment its shipments are chosen until its
/// files are written and the carrier (if it takes manifests) has answered; then `closed`.
public struct ManifestRecord: Hashable, Sendable {
    public var id: String
    public var carrier: String
    public var site: String
    public var pickupDate: CivilDate
    public var state: String
    public var startedAt: Instant
    public var closedAt: Instant?
    public var lines: [ManifestLine]
    public var csvPath: String?
    public var documentPath: String?
    /// The carrier's number for it (Colissimo's bordereau number), when it gave one.
    public var carrierReference: String?

    public init(
        id: String, carrier: String, site: String, pickupDate: CivilDate, state: String, startedAt: Instant, closedAt: Instant?,
        lines: [ManifestLine], csvPath: String?, documentPath: String?, carrierReference: String?
    ) {
        self.id = id
        self.carrier = carrier
        self.site = site
        self.pickupDate = pickupDate
        self.state = state
        self.startedAt = startedAt
        self.closedAt = closedAt
        self.lines = lines
        self.csvPath = csvPath
        self.documentPath = documentPath
        self.carrierReference = carrierReference
    }

    /// `M-<carrier>-<site>-<YYYYMMDD>`: one manifest per carrier × site × pickup date.
    public static func id(carrier: String, site: String, pickupDate: CivilDate) -> String {
        "M-\(carrier)-\(site)-\(pickupDate.description.replacingOccurrences(of: "-", with: ""))"
    }
}

/// Booked shipments not on a manifest yet, per carrier and site.
public struct UnmanifestedGroup: Hashable, Sendable {
    public var carrier: String
    public var site: String
    public var shipments: Int
    /// The latest pickup date already closed for this carrier and site.
    public var lastClosed: CivilDate?

    public init(carrier: String, site: String, shipments: Int, lastClosed: CivilDate?) {
        self.carrier = carrier
        self.site = site
        self.shipments = shipments
        self.lastClosed = lastClosed
    }
}
