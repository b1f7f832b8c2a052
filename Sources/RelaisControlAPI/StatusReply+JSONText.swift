/// `GET /v1/status` is what a monitoring agent asks for every few seconds, and what the
/// booking benchmark's probe asks for every 2 ms: written without `JSONEncoder`, keys sorted.
extension StatusReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        json.memberIfPresent("alerts", alerts)
        try json.member("carriers", carriers)
        json.member("configuration_loaded_at", configurationLoadedAt)
        json.memberIfPresent("node", node)
        try json.memberIfPresent("other_nodes", otherNodes)
        try json.memberIfPresent("outbox", outbox)
        json.member("pending_orders", pendingOrders)
        json.member("pid", Int(pid))
        try json.member("policy", policy)
        json.member("queue", queue)
        json.memberIfPresent("tracking", tracking)
        json.member("uptime_s", uptimeSeconds)
        json.member("version", version)
        json.endObject()
    }
}

extension StatusReply.PolicyRef: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.member("name", name)
        json.member("sha256", sha256)
        json.endObject()
    }
}

extension StatusReply.CarrierState: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.member("id", id)
        json.memberIfPresent("reason", reason)
        json.member("state", state)
        json.endObject()
    }
}

extension StatusReply.NodeLease: JSONWritable {
    public func write(to json: inout JSONText) {
        json.beginObject()
        json.member("expired", expired)
        json.member("lease_until", leaseUntil)
        json.member("node", node)
        json.member("shipments", shipments)
        json.endObject()
    }
}

extension OutboxEndpointReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        json.member("dead", dead)
        json.memberIfPresent("disabled_at", disabledAt)
        json.memberIfPresent("disabled_reason", disabledReason)
        json.member("events", events)
        json.member("include_label", includeLabel)
        json.member("name", name)
        json.memberIfPresent("number", number)
        try json.memberIfPresent("oldest_pending_s", oldestPendingSeconds)
        json.member("pending", pending)
        json.member("state", state)
        json.member("target", target)
        json.endObject()
    }
}
