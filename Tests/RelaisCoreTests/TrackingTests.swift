import Foundation
import Testing
import RelaisCore

/// The forward-only rule and carriers' time formats (SPEC §13).
struct TrackingTests {
    static func event(_ code: String, _ status: TrackingStatus, at minutes: Int64) -> TrackingEvent {
        TrackingEvent(at: Instant(secondsSinceEpoch: 1_795_425_300 + minutes * 60), code: code, status: status)
    }

    /// Whether `event` changed the status (outside `#expect`, which cannot mutate).
    func apply(_ progress: inout TrackingProgress, _ event: TrackingEvent) -> Bool { progress.apply(event) }

    @Test func theStatusIsThatOfTheLatestEvent() {
        var progress = TrackingProgress()
        #expect(apply(&progress, Self.event("PC", .inTransit, at: 10)))
        // An older event is recorded elsewhere, but does not move the status back.
        #expect(!apply(&progress, Self.event("DC", .preTransit, at: 5)))
        #expect(progress.status == .inTransit)
        #expect(apply(&progress, Self.event("MD", .outForDelivery, at: 20)))
        #expect(progress.at == Self.event("MD", .outForDelivery, at: 20).at)
        // The same status again is no change (no outbox event), but keeps the time current.
        #expect(!apply(&progress, Self.event("MD2", .outForDelivery, at: 25)))
    }

    @Test func aTerminalStatusIsNeverReplacedByANonTerminalOne() {
        var progress = TrackingProgress()
        progress.apply(Self.event("D", .delivered, at: 30))
        #expect(!apply(&progress, Self.event("TS", .inTransit, at: 40)))
        #expect(!apply(&progress, Self.event("X", .exception, at: 50)))
        #expect(progress.status == .delivered)
        // A later terminal status does replace it: a parcel delivered back to its sender.
        #expect(apply(&progress, Self.event("RE", .returnedToSender, at: 60)))
    }

    @Test func aTerminalEventIsObeyedEvenWhenOlderThanTheStatus() {
        var progress = TrackingProgress()
        progress.apply(Self.event("TS", .inTransit, at: 50))
        // A delivery scanned at 40 but reported after an in-transit scan at 50.
        #expect(apply(&progress, Self.event("D", .delivered, at: 40)))
        #expect(progress.status == .delivered)
    }

    @Test func anUnknownCodeNeverHidesAKnownStatus() {
        var progress = TrackingProgress()
        #expect(apply(&progress, Self.event("??", .unknown, at: 1)))
        #expect(progress.status == .unknown)
        #expect(apply(&progress, Self.event("DC", .preTransit, at: 0)))
        #expect(!apply(&progress, Self.event("??", .unknown, at: 9)))
        #expect(progress.status == .preTransit)
    }

    @Test func ofTwoEventsOfTheSameMinuteTheOneFurtherAlongDecides() {
        var progress = TrackingProgress()
        progress.apply(Self.event("PC", .inTransit, at: 10))
        #expect(apply(&progress, Self.event("MD", .outForDelivery, at: 10)))
        #expect(!apply(&progress, Self.event("TS", .inTransit, at: 10)))
        #expect(progress.status == .outForDelivery)
    }

    @Test func terminalStatuses() {
        #expect(TrackingStatus.allCases.filter(\.isTerminal) == [.delivered, .returnedToSender, .cancelled])
        #expect(TrackingStatus.allCases.filter(\.isNearDelivery) == [.outForDelivery, .availableForPickup])
    }

    static let paris = TimeZone(identifier: "Europe/Paris")!
    /// 2026-11-23T10:15:02Z.
    static let instant = Instant(secondsSinceEpoch: 1_795_428_902)

    @Test(arguments: [
        ("2026-11-23T10:15:02Z", Int64(0)), ("2026-11-23T11:15:02+01:00", 0), ("2026-11-23T11:15:02+0100", 0),
        ("2026-11-23T11:15:02", 0), ("2026-11-23T10:15:02.123Z", 123), ("2026-11-23T10:15:02.5Z", 500),
        ("2026-11-23 11:15:02", 0),
    ])
    func iso8601(text: String, milliseconds: Int64) {
        #expect(
            CarrierTimeFormat.iso8601.instant(text, zone: Self.paris)
                == Instant(millisecondsSinceEpoch: Self.instant.millisecondsSinceEpoch + milliseconds))
    }

    @Test(arguments: ["", "2026-11-23T10:15", "2026-02-31T10:15:00Z", "2026-11-23T25:15:00Z", "23/11/2026", "2026-11-23T10:15:02Zjunk"])
    func unreadableTimes(text: String) {
        let value = CarrierTimeFormat.iso8601.instant(text, zone: Self.paris)
        // A bare minute is accepted (carriers drop seconds); everything else here is refused.
        if text == "2026-11-23T10:15" { #expect(value != nil) } else { #expect(value == nil, "\(text)") }
    }

    @Test func patternsReadLocalTimes() {
        let minute = Instant(secondsSinceEpoch: 1_795_428_900)
        #expect(CarrierTimeFormat.pattern("dd/MM/yy HH:mm").instant("23/11/26 11:15", zone: Self.paris) == minute)
        #expect(CarrierTimeFormat.pattern("dd.MM.yyyy, HH:mm").instant("23.11.2026, 11:15", zone: Self.paris) == minute)
        #expect(CarrierTimeFormat.pattern("dd/MM/yyyy").instant("23/11/2026", zone: Self.paris) != nil)
        #expect(CarrierTimeFormat.pattern("dd/MM/yy HH:mm").instant("23/11/26 1:15", zone: Self.paris) == nil)
        #expect(CarrierTimeFormat.problem(in: "dd/MM/yy HH:mm") == nil)
        #expect(CarrierTimeFormat.problem(in: "dd/MM HH:mm") != nil)
        #expect(CarrierTimeFormat.problem(in: "dd/MM/yyyy HH:mm TZ") != nil)
    }

    @Test(arguments: [CarrierTimeFormat.iso8601, .pattern("dd/MM/yyyy HH:mm:ss"), .pattern("dd.MM.yyyy, HH:mm:ss")])
    func writtenTimesReadBack(format: CarrierTimeFormat) {
        // Summer and winter time both.
        for instant in [Self.instant, Instant(secondsSinceEpoch: 1_782_000_000)] {
            #expect(format.instant(format.text(instant, zone: Self.paris), zone: Self.paris) == instant)
        }
    }
}
