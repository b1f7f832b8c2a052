import RelaisCore
import Testing

/// The tracking schedule as a value (SPEC §13): when the next poll is due, and whether a
/// poll may be made at all. What the stores do with it is in the store conformance suite
/// (RelaisTesting, `StoreConformance.trackingChecks`), run against SQLite and PostgreSQL.
@Suite struct TrackingScheduleTests {
    static let t0 = OutboxRig.readyMillis

    static func at(_ minutes: Int64) -> Instant { Instant(millisecondsSinceEpoch: t0 + minutes * 60_000) }

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
