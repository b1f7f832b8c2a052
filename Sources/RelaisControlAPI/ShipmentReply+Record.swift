import RelaisStore

extension ShipmentReply {
    /// A recorded shipment as `GET /v1/shipments/{id}` shows it, and as outbox events
    /// carry it: one mapping, so the two never differ.
    public init(_ record: ShipmentRecord, attempts: [AttemptRecord]?) {
        self.init(
            id: record.id, state: record.state.rawValue, orders: record.orderIDs, site: record.site, carrier: record.carrier,
            service: record.service, trackingNumber: record.trackingNumber, price: record.price?.description,
            currency: record.currency, eta: record.eta, co2eGrams: record.co2eGrams,
            ghg: record.emissions.map(GHGReply.init), late: record.late,
            labelPath: record.labelPath, reason: record.reason, nextAttemptAt: record.nextAttemptAt.map(ISOTimestamp.string),
            createdAt: ISOTimestamp.string(record.createdAt), updatedAt: ISOTimestamp.string(record.updatedAt),
            attempts: attempts?.map { attempt in
                AttemptReply(
                    carrier: attempt.carrier, service: attempt.service, startedAt: ISOTimestamp.string(attempt.startedAt),
                    finishedAt: attempt.finishedAt.map(ISOTimestamp.string), outcome: attempt.outcome,
                    failureClass: attempt.failureClass, httpStatus: attempt.httpStatus,
                    durationMilliseconds: attempt.durationMilliseconds, detail: attempt.detail)
            })
        returnOf = record.returnOf.map { ReturnReply(id: $0.id, order: $0.orderID, reason: $0.reason) }
    }
}
