import RelaisStore

extension ManifestReply {
    /// A recorded manifest as `GET /v1/manifests` shows it and `manifest.closed` carries it.
    public init(_ record: ManifestRecord) {
        self.init(
            id: record.id, carrier: record.carrier, site: record.site, pickupDate: record.pickupDate.description, state: record.state,
            startedAt: ISOTimestamp.string(record.startedAt.millisecondsSinceEpoch),
            closedAt: record.closedAt.map { ISOTimestamp.string($0.millisecondsSinceEpoch) },
            shipments: record.lines.map {
                Line(
                    shipment: $0.shipmentID, trackingNumber: $0.trackingNumber, service: $0.service, parcels: $0.parcels,
                    weightKg: $0.weightKg, orders: $0.orderIDs)
            }, csvPath: record.csvPath, documentPath: record.documentPath, carrierReference: record.carrierReference)
    }
}
