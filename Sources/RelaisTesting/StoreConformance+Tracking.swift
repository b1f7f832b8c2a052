import Foundation
import RelaisCore
import RelaisStore

/// Tracking (SPEC §13) as every store engine must keep it: booked shipments enter it,
/// events are de-duplicated, the status only moves forward, and each change is a
/// `shipment.tracking` outbox event written in the same transaction.
extension StoreConformance {
    static let trackingSchedule = TrackingSchedule()

    /// A store of the fixture that keeps tracking and an outbox, with one booked shipment
    /// and the spool configured.
    func tracked(_ orderID: String) async throws -> (store: any DaemonStore & OutboxLog & TrackingLog, id: String, carrier: String) {
        let store = try await makeStore("node-a", .seconds(60))
        guard let log = store as? any DaemonStore & OutboxLog & TrackingLog else {
            throw Failure(description: "\(type(of: store)) keeps no tracking")
        }
        _ = try await log.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])
        let ids = try await queued(log, [orderID])
        try await book(log, ids, at: now + 1000)
        guard let carrier = try await log.shipment(id: ids[0])?.carrier else { throw Failure(description: "\(ids[0]) has no carrier") }
        return (log, ids[0], carrier)
    }

    /// `minutes` after the fixture's time.
    func at(_ minutes: Int64) -> Instant { Instant(millisecondsSinceEpoch: now + minutes * 60_000) }

    func event(_ code: String, _ status: TrackingStatus, _ minutes: Int64) -> TrackingEvent {
        TrackingEvent(at: at(minutes), code: code, status: status, label: "\(code) label", location: "LYON")
    }

    func poll(_ store: any TrackingLog, _ id: String, _ outcome: TrackingPoll.Outcome, pickup: Instant? = nil, now: Instant) async throws
        -> [TrackingChange]
    {
        try await store.recordTracking(
            [TrackingPoll(shipmentID: id, outcome: outcome, pickup: pickup ?? at(0), bookedAt: at(0))],
            schedule: Self.trackingSchedule, now: now)
    }

    /// The `tracking` objects of the `shipment.tracking` events written, oldest first.
    static func trackingAnnounced(_ store: any OutboxLog) async throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        for delivery in try await store.outboxDeliveries(state: "pending", endpoint: nil, limit: 100).reversed()
        where delivery.type == "shipment.tracking" {
            guard let body = try await store.outboxEventBody(id: delivery.eventID) else { throw Failure(description: "no body") }
            found.append((try json(body)["data"] as? [String: Any])?["tracking"] as? [String: Any] ?? [:])
        }
        return found
    }

    public static let trackingChecks: [Check] = [
        Check(description: "tracking: a booked shipment is due for a poll at once") { fixture in
            let (store, id, carrier) = try await fixture.tracked("K-1")
            let due = try await store.dueTracking(carrier: carrier, now: fixture.at(1), limit: 10)
            try require(due.map(\.shipmentID) == [id], "due \(due.map(\.shipmentID))")
            try require(due[0].trackingNumber == "TRK\(id)" && due[0].status == nil && due[0].carrier == carrier, "due \(due[0])")
            try require(due[0].readyAt == fixture.at(0) && due[0].bookedAt == Instant(millisecondsSinceEpoch: fixture.now + 1000), "times \(due[0])")
            try require(try await store.dueTracking(carrier: "no-such-carrier", now: fixture.at(1), limit: 10).isEmpty, "per carrier")
            let counts = try await store.trackingCounts()
            try require(counts.byStatus == ["none": 1], "counts \(counts)")
            try require(try await store.tracking(shipment: id)?.events.isEmpty == true, "no event yet")
            try require(try await store.tracking(shipment: "S-none") == nil, "an unknown shipment is not tracked")
        },
        Check(description: "tracking: events are de-duplicated, the status only moves forward, each change is announced") { fixture in
            let (store, id, carrier) = try await fixture.tracked("K-2")
            let first = [fixture.event("DC", .preTransit, 10), fixture.event("TS", .inTransit, 20)]
            let changes = try await fixture.poll(store, id, .events(first), now: fixture.at(30))
            try require(changes.map(\.to) == [.inTransit] && changes.first?.from == nil, "changes \(changes)")
            // The same reply again (a poll repeated after a crash): nothing new, nothing announced.
            try require(try await fixture.poll(store, id, .events(first + first), now: fixture.at(40)).isEmpty, "repeated poll")
            try require(try await store.tracking(shipment: id)?.events.count == 2, "two events")
            // Delivered, reported before a scan that came after it: the scan is recorded only.
            let delivered = try await fixture.poll(store, id, .events([fixture.event("D", .delivered, 60)]), now: fixture.at(70))
            try require(delivered.map(\.to) == [.delivered], "delivered \(delivered)")
            let late = [fixture.event("TS", .inTransit, 80), fixture.event("MD", .outForDelivery, 50)]
            try require(try await fixture.poll(store, id, .events(late), now: fixture.at(90)).isEmpty, "no step back")
            guard let tracking = try await store.tracking(shipment: id) else { throw Failure(description: "not tracked") }
            try require(tracking.status == .delivered, "status \(String(describing: tracking.status))")
            try require(tracking.statusAt == fixture.at(60) && tracking.deliveredAt == fixture.at(60), "times \(tracking)")
            try require(tracking.events.map(\.code) == ["DC", "TS", "MD", "D", "TS"], "events \(tracking.events.map(\.code))")
            try require(tracking.lastPolledAt == fixture.at(90) && tracking.lastError == nil, "last poll \(tracking)")
            // A terminal status ends polling.
            try require(tracking.nextPollAt == nil, "next poll \(String(describing: tracking.nextPollAt))")
            try require(try await store.dueTracking(carrier: carrier, now: fixture.at(100_000), limit: 10).isEmpty, "no more polls")
            try require(try await store.trackingCounts().byStatus == ["delivered": 1], "counts")
            // One outbox event per change, in order, each with the event it came from.
            let announced = try await trackingAnnounced(store)
            try require(announced.map { $0["status"] as? String } == ["in_transit", "delivered"], "announced \(announced)")
            let event = announced.last?["event"] as? [String: Any] ?? [:]
            try require(
                event["code"] as? String == "D" && event["status"] as? String == "delivered" && event["location"] as? String == "LYON",
                "event \(event)")
            try require(announced.last?["status_at"] as? String == event["at"] as? String, "status_at is the event's time")
        },
        Check(description: "tracking: unknown codes are kept and counted, and never hide a status") { fixture in
            let (store, id, carrier) = try await fixture.tracked("K-3")
            let events = [fixture.event("PC", .inTransit, 10), fixture.event("ZZ", .unknown, 20)]
            _ = try await fixture.poll(store, id, .events(events), now: fixture.at(30))
            _ = try await fixture.poll(store, id, .events([fixture.event("ZZ", .unknown, 20)]), now: fixture.at(40))
            guard let tracking = try await store.tracking(shipment: id) else { throw Failure(description: "not tracked") }
            try require(tracking.status == .inTransit, "status \(String(describing: tracking.status))")
            try require(tracking.events.last?.code == "ZZ" && tracking.events.last?.label == "ZZ label", "events \(tracking.events)")
            let counts = try await store.trackingCounts()
            try require(counts.unmappedEvents == [carrier: 1], "unmapped \(counts)")
        },
        Check(description: "tracking: the schedule decides the next poll; a failed poll keeps the status") { fixture in
            let (store, id, _) = try await fixture.tracked("K-4")
            func next() async throws -> Instant? {
                let tracking = try await store.tracking(shipment: id)
                return tracking?.nextPollAt
            }
            _ = try await fixture.poll(store, id, .events([]), now: fixture.at(10))
            try require(try await next() == fixture.at(10 + 120), "every 2 h by default")
            _ = try await fixture.poll(store, id, .events([fixture.event("MD", .outForDelivery, 15)]), now: fixture.at(20))
            try require(try await next() == fixture.at(20 + 20), "every 20 min once out for delivery")
            _ = try await fixture.poll(store, id, .failed("HTTP 503"), now: fixture.at(40))
            guard let failed = try await store.tracking(shipment: id) else { throw Failure(description: "not tracked") }
            try require(
                failed.lastError == "HTTP 503" && failed.nextPollAt == fixture.at(60) && failed.status == .outForDelivery, "failed \(failed)")
            // Skipped before the pickup date: due at its start, not before.
            _ = try await fixture.poll(store, id, .skipped, pickup: fixture.at(24 * 60), now: fixture.at(50))
            try require(try await next() == fixture.at(24 * 60), "due at the pickup date")
            // Skipped past max_age: never again.
            _ = try await fixture.poll(store, id, .skipped, now: fixture.at(61 * 24 * 60))
            try require(try await next() == nil, "past max_age")
        },
    ]

    /// Every check: the queue's, the outbox's and tracking's.
    public static var all: [Check] { checks + batchChecks + outboxChecks + trackingChecks }
}
