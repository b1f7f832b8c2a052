extension ShipmentTrackingReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        json.key("event")
        try json.value(event)
        json.key("status")
        json.string(status)
        json.key("status_at")
        json.string(statusAt)
        json.endObject()
    }
}

extension TrackingEventReply: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.key("at")
        json.string(at)
        json.key("code")
        json.string(code)
        json.key("label")
        json.string(label)
        json.key("location")
        json.string(location)
        json.key("status")
        json.string(status)
        json.endObject()
    }
}
