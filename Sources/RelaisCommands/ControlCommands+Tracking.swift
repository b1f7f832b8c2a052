import RelaisControlAPI

/// `relaisctl track ID` and the tracking line of `status` (SPEC §13).
extension ControlCommands {
    /// A shipment's tracking status and every event, by the carrier's time.
    public func track(id: String) async -> CommandOutput {
        await read("/v1/shipments/\(Self.escape(id))/tracking") { (tracking: TrackingReply) in
            var text = "status: \(tracking.status ?? "no event yet")\(tracking.statusAt.map { " since \($0)" } ?? "")\n"
            if let delivered = tracking.deliveredAt { text += "delivered: \(delivered)\n" }
            text += "next poll: \(tracking.nextPollAt ?? "none (tracking is over)")\n"
            if let polled = tracking.lastPolledAt { text += "last poll: \(polled)\(tracking.lastError.map { ", failed: \($0)" } ?? "")\n" }
            guard !tracking.events.isEmpty else { return text }
            var table = TextTable([("at", .left), ("status", .left), ("code", .left), ("label", .left), ("location", .left)])
            for event in tracking.events {
                table.add([event.at, event.status, event.code, String((event.label ?? "-").prefix(60)), event.location ?? "-"])
            }
            return text + "\n" + table.render()
        }
    }

    /// `in_transit 12, delivered 40, …` in the statuses' order, those with none left out.
    static func trackingCounts(_ counts: [String: Int]) -> String {
        let order = [
            "none", "pre_transit", "in_transit", "out_for_delivery", "available_for_pickup", "delivery_failed", "exception",
            "unknown", "delivered", "returned_to_sender", "cancelled",
        ]
        return order.compactMap { name in counts[name].flatMap { $0 > 0 ? "\(name) \($0)" : nil } }.joined(separator: ", ")
    }
}
