// The shipment replies' writers for JSONText: every key of their Encodable forms, sorted.
extension ShipmentListReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        try json.member("shipments", shipments)
        json.endObject()
    }
}

extension ShipmentReply: JSONWritable {
    /// The keys of ``encode(to:)``, sorted.
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        try json.memberIfPresent("attempts", attempts)
        json.member("carrier", carrier)
        try json.member("co2e_g", co2eGrams)
        json.member("created_at", createdAt)
        json.member("currency", currency)
        json.member("eta", eta)
        try json.member("ghg", ghg)
        json.member("id", id)
        try json.memberIfPresent("label", label)
        json.member("label_path", labelPath)
        json.member("late", late)
        json.member("next_attempt_at", nextAttemptAt)
        json.member("orders", orders)
        json.member("price", price)
        json.memberIfPresent("promised_by", promisedBy)
        json.member("reason", reason)
        try json.memberIfPresent("return", returnOf)
        json.member("service", service)
        json.member("site", site)
        json.member("state", state)
        try json.memberIfPresent("tracking", tracking)
        json.member("tracking_number", trackingNumber)
        json.memberIfPresent("tracking_url", trackingURL)
        json.member("updated_at", updatedAt)
        json.endObject()
    }
}

extension ReturnReply: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.member("id", id)
        json.member("order", order)
        json.member("reason", reason)
        json.endObject()
    }
}

extension LabelReply: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.member("base64", base64)
        json.member("format", format)
        json.endObject()
    }
}

extension AttemptReply: JSONWritable {
    /// Synthesized `Encodable`: absent keys for nil.
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.member("carrier", carrier)
        json.memberIfPresent("detail", detail)
        json.memberIfPresent("duration_ms", durationMilliseconds)
        json.memberIfPresent("failure_class", failureClass)
        json.memberIfPresent("finished_at", finishedAt)
        json.memberIfPresent("http_status", httpStatus)
        json.memberIfPresent("outcome", outcome)
        json.member("service", service)
        json.member("started_at", startedAt)
        json.endObject()
    }
}
