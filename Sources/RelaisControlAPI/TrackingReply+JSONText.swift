extension ShipmentTrackingReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        try json.member("event", event)
        json.member("status", status)
        json.member("status_at", statusAt)
        json.endObject()
    }
}

extension TrackingEventReply: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.member("at", at)
        json.member("code", code)
        json.member("label", label)
        json.member("location", location)
        json.member("status", status)
        json.endObject()
    }
}
