// The shipment replies' writers for JSONText: every key of their Encodable forms, sorted.
extension ShipmentListReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        json.key("shipments")
        json.beginArray()
        for shipment in shipments {
            json.element()
            try shipment.write(to: &json)
        }
        json.endArray()
        json.endObject()
    }
}

extension ShipmentReply: JSONWritable {
    /// The keys of ``encode(to:)``, sorted.
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        if let attempts {
            json.key("attempts")
            json.beginArray()
            for attempt in attempts {
                json.element()
                attempt.write(to: &json)
            }
            json.endArray()
        }
        json.key("carrier")
        json.string(carrier)
        json.key("co2e_g")
        try json.double(co2eGrams)
        json.key("created_at")
        json.string(createdAt)
        json.key("currency")
        json.string(currency)
        json.key("eta")
        json.string(eta)
        json.key("ghg")
        try json.value(ghg)
        json.key("id")
        json.string(id)
        if let label {
            json.key("label")
            label.write(to: &json)
        }
        json.key("label_path")
        json.string(labelPath)
        json.key("late")
        json.bool(late)
        json.key("next_attempt_at")
        json.string(nextAttemptAt)
        json.key("orders")
        json.beginArray()
        for order in orders {
            json.element()
            json.string(order)
        }
        json.endArray()
        json.key("price")
        json.string(price)
        if let promisedBy {
            json.key("promised_by")
            json.string(promisedBy)
        }
        json.key("reason")
        json.string(reason)
        if let returnOf {
            json.key("return")
            returnOf.write(to: &json)
        }
        json.key("service")
        json.string(service)
        json.key("site")
        json.string(site)
        json.key("state")
        json.string(state)
        if let tracking {
            json.key("tracking")
            try tracking.write(to: &json)
        }
        json.key("tracking_number")
        json.string(trackingNumber)
        if let trackingURL {
            json.key("tracking_url")
            json.string(trackingURL)
        }
        json.key("updated_at")
        json.string(updatedAt)
        json.endObject()
    }
}

extension ReturnReply: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.key("id")
        json.string(id)
        json.key("order")
        json.string(order)
        json.key("reason")
        json.string(reason)
        json.endObject()
    }
}

extension LabelReply: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.key("base64")
        json.string(base64)
        json.key("format")
        json.string(format)
        json.endObject()
    }
}

extension AttemptReply: JSONWritable {
    /// Synthesized `Encodable`: absent keys for nil.
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.key("carrier")
        json.string(carrier)
        if let detail {
            json.key("detail")
            json.string(detail)
        }
        if let durationMilliseconds {
            json.key("duration_ms")
            json.int(durationMilliseconds)
        }
        if let failureClass {
            json.key("failure_class")
            json.string(failureClass)
        }
        if let finishedAt {
            json.key("finished_at")
            json.string(finishedAt)
        }
        if let httpStatus {
            json.key("http_status")
            json.int(httpStatus)
        }
        if let outcome {
            json.key("outcome")
            json.string(outcome)
        }
        json.key("service")
        json.string(service)
        json.key("started_at")
        json.string(startedAt)
        json.endObject()
    }
}
