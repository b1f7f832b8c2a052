import Foundation
import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisCore
@testable import RelaisRecords

/// Tracking in the SQLite store (SPEC §13): booked shipments enter it, events are
/// de-duplicated, the status only moves forward, and each change is a `shipment.tracking`
/// event written in the same transaction.
@Suite struct TrackingStoreTests {
    static let t0 = OutboxRig.readyMillis
    static let schedule = TrackingSchedule()

    static func at(_ minutes: Int64) -> Instant { Instant(millisecondsSinceEpoch: t0 + minutes * 60_000) }
    static func event(_ code: String, _ status: TrackingStatus, _ minutes: Int64) -> TrackingEvent {
        TrackingEvent(at: at(minutes), code: code, status: status, label: "\(code) label", location: "LYON")
    }

    /// One booked shipment, the outbox configured, and what polls need.
    func booked(_ rig: OutboxRig) async throws -> (id: String, carrier: String) {
        _ = try await rig.store.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])
        let ids = try await rig.shipments(1)
        try await rig.book(ids, at: Self.t0 + 1000)
        let carrier = try #require(try await rig.store.shipment(id: ids[0])?.carrier)
        return (ids[0], carrier)
    }

    func poll(_ rig: OutboxRig, _ id: String, _ events: [TrackingEvent], now: Instant) async throws -> [TrackingChange] {
        try await rig.store.recordTracking(
            [TrackingPoll(shipmentID: id, outcome: .events(events), pickup: Instant(millisecondsSinceEpoch: Self.t0), bookedAt: Self.at(0))],
            schedule: Self.schedule, now: now)
    }

    func trackingEvents(_ rig: OutboxRig) async throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        // Newest first: reversed, in the order they were written.
        for delivery in try await rig.store.outboxDeliveries(state: "pending").reversed() where delivery.type == "shipment.tracking" {
            let body = try #require(try await rig.store.outboxEventBody(id: delivery.eventID))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            found.append(try #require((json["data"] as? [String: Any])?["tracking"] as? [String: Any]))
        }
        return found
    }

    @Test func aBookedShipmentIsDueForTrackingAtOnce() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let (id, carrier) = try await booked(rig)
        let due = try await rig.store.dueTracking(carrier: carrier, now: Self.at(1), limit: 10)
        #expect(due.map(\.shipmentID) == [id])
        #expect(due.first?.trackingNumber == "TRK\(id)" && due.first?.status == nil)
        #expect(due.first?.readyAt == Instant(millisecondsSinceEpoch: Self.t0))
        #expect(try await rig.store.dueTracking(carrier: "no-such-carrier", now: Self.at(1), limit: 10).isEmpty)
        #expect(try await rig.store.trackingCounts().byStatus == ["none": 1])
        #expect(try await rig.store.tracking(shipment: id)?.events.isEmpty == true)
    }

    @Test func eventsAreDeduplicatedAndTheStatusOnlyMovesForward() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let (id, carrier) = try await booked(rig)
        let first = [Self.event("DC", .preTransit, 10), Self.event("TS", .inTransit, 20)]
        let changes = try await poll(rig, id, first, now: Self.at(30))
        #expect(changes.map(\.to) == [.inTransit])
        // The same reply again (a poll repeated after a crash): nothing new, nothing announced.
        #expect(try await poll(rig, id, first + first, now: Self.at(40)).isEmpty)
        #expect(try await rig.store.tracking(shipment: id)?.events.count == 2)
        // Delivered, reported before a scan that came after it: the scan is recorded only.
        #expect(try await poll(rig, id, [Self.event("D", .delivered, 60)], now: Self.at(70)).map(\.to) == [.delivered])
        #expect(try await poll(rig, id, [Self.event("TS", .inTransit, 80), Self.event("MD", .outForDelivery, 50)], now: Self.at(90)).isEmpty)
        let tracking = try #require(try await rig.store.tracking(shipment: id))
        #expect(tracking.status == .delivered)
        #expect(tracking.statusAt == Self.at(60) && tracking.deliveredAt == Self.at(60))
        #expect(tracking.events.map(\.code) == ["DC", "TS", "MD", "D", "TS"])
        // A terminal status ends polling.
        #expect(tracking.nextPollAt == nil)
        #expect(try await rig.store.dueTracking(carrier: carrier, now: Self.at(100_000), limit: 10).isEmpty)
        #expect(try await rig.store.trackingCounts().byStatus == ["delivered": 1])
        // One outbox event per change, in order, each with the event it came from.
        let announced = try await trackingEvents(rig)
        #expect(announced.map { $0["status"] as? String } == ["in_transit", "delivered"])
        let event = try #require(announced.last?["event"] as? [String: Any])
        #expect(event["code"] as? String == "D" && event["status"] as? String == "delivered" && event["location"] as? String == "LYON")
        #expect(announced.last?["status_at"] as? String == event["at"] as? String)
    }

    @Test func unknownCodesAreKeptCountedAndNeverHideAStatus() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let (id, carrier) = try await booked(rig)
        _ = try await poll(rig, id, [Self.event("PC", .inTransit, 10), Self.event("ZZ", .unknown, 20)], now: Self.at(30))
        _ = try await poll(rig, id, [Self.event("ZZ", .unknown, 20)], now: Self.at(40))
        let tracking = try #require(try await rig.store.tracking(shipment: id))
        #expect(tracking.status == .inTransit)
        #expect(tracking.events.last?.code == "ZZ" && tracking.events.last?.label == "ZZ label")
        #expect(try await rig.store.trackingCounts().unmappedEvents == [carrier: 1])
    }

    @Test func theScheduleDecidesTheNextPoll() async throws {
        let rig = try OutboxRig()
        defer { rig.remove() }
        let (id, _) = try await booked(rig)
        func next() async throws -> Instant? { try await rig.store.tracking(shipment: id)?.nextPollAt }
        _ = try await poll(rig, id, [], now: Self.at(10))
        #expect(try await next() == Self.at(10 + 120))  // every 2 h by default
        _ = try await poll(rig, id, [Self.event("MD", .outForDelivery, 15)], now: Self.at(20))
        #expect(try await next() == Self.at(20 + 20))  // every 20 min once out for delivery
        try await rig.store.recordTracking(
            [TrackingPoll(shipmentID: id, outcome: .failed("HTTP 503"), pickup: Self.at(0), bookedAt: Self.at(0))],
            schedule: Self.schedule, now: Self.at(40))
        let failed = try #require(try await rig.store.tracking(shipment: id))
        #expect(failed.lastError == "HTTP 503" && failed.nextPollAt == Self.at(60) && failed.status == .outForDelivery)
        // Skipped before the pickup date: due at its start, not before.
        try await rig.store.recordTracking(
            [TrackingPoll(shipmentID: id, outcome: .skipped, pickup: Self.at(24 * 60), bookedAt: Self.at(0))],
            schedule: Self.schedule, now: Self.at(50))
        #expect(try await next() == Self.at(24 * 60))
        // Skipped past max_age: never again.
        try await rig.store.recordTracking(
            [TrackingPoll(shipmentID: id, outcome: .skipped, pickup: Self.at(0), bookedAt: Self.at(0))],
            schedule: Self.schedule, now: Self.at(61 * 24 * 60))
        #expect(try await next() == nil)
    }

    @Test func theScheduleAsAValue() {
        let schedule = TrackingSchedule(every: .seconds(7200), nearDeliveryEvery: .seconds(1200), maxAge: .seconds(86_400))
        let booked = Self.at(0), pickup = Self.at(600)
        #expect(schedule.next(after: Self.at(1), status: nil, pickup: pickup, bookedAt: booked) == pickup)
        #expect(schedule.next(after: Self.at(700), status: .inTransit, pickup: pickup, bookedAt: booked) == Self.at(820))
        #expect(schedule.next(after: Self.at(700), status: .availableForPickup, pickup: pickup, bookedAt: booked) == Self.at(720))
        #expect(schedule.next(after: Self.at(700), status: .returnedToSender, pickup: pickup, bookedAt: booked) == nil)
        #expect(schedule.next(after: Self.at(1400), status: .inTransit, pickup: pickup, bookedAt: booked) == nil)
        #expect(!schedule.mayPoll(now: Self.at(599), pickup: pickup, bookedAt: booked))
        #expect(schedule.mayPoll(now: Self.at(600), pickup: pickup, bookedAt: booked))
        #expect(!schedule.mayPoll(now: Self.at(1441), pickup: pickup, bookedAt: booked))
    }
}
