/// A manifest (SPEC §14), as `GET /v1/manifests` lists it and `manifest.closed` carries it.
public struct ManifestReply: Codable, Hashable, Sendable {
    public struct Line: Codable, Hashable, Sendable {
        public var shipment: String
        public var trackingNumber: String
        public var service: String
        public var parcels: Int
        public var weightKg: Double
        public var orders: [String]

        public init(shipment: String, trackingNumber: String, service: String, parcels: Int, weightKg: Double, orders: [String]) {
            self.shipment = shipment
            self.trackingNumber = trackingNumber
            self.service = service
            self.parcels = parcels
            self.weightKg = weightKg
            self.orders = orders
        }

        enum CodingKeys: String, CodingKey {
            case shipment, trackingNumber = "tracking_number", service, parcels, weightKg = "weight_kg", orders
        }
    }

    public var id: String
    public var carrier: String
    public var site: String
    /// `YYYY-MM-DD`, site-local.
    public var pickupDate: String
    /// `closing` or `closed`.
    public var state: String
    public var startedAt: String
    public var closedAt: String?
    public var shipments: [Line]
    public var csvPath: String?
    public var documentPath: String?
    public var carrierReference: String?

    public init(
        id: String, carrier: String, site: String, pickupDate: String, state: String, startedAt: String, closedAt: String?,
        shipments: [Line], csvPath: String?, documentPath: String?, carrierReference: String?
    ) {
        self.id = id
        self.carrier = carrier
        self.site = site
        self.pickupDate = pickupDate
        self.state = state
        self.startedAt = startedAt
        self.closedAt = closedAt
        self.shipments = shipments
        self.csvPath = csvPath
        self.documentPath = documentPath
        self.carrierReference = carrierReference
    }

    enum CodingKeys: String, CodingKey {
        case id, carrier, site, pickupDate = "pickup_date", state, startedAt = "started_at", closedAt = "closed_at", shipments
        case csvPath = "csv_path", documentPath = "document_path", carrierReference = "carrier_reference"
    }
}

/// `GET /v1/manifests`.
public struct ManifestListReply: Codable, Hashable, Sendable {
    public var manifests: [ManifestReply]
    public init(manifests: [ManifestReply]) { self.manifests = manifests }
}
