import Foundation
import Testing
import RelaisCarriers
import RelaisConfig
import RelaisCore
@testable import RelaisRecords
import RelaisSandbox
import RelaisStore
import RelaisTesting
import RelaisTracking

/// The tracking stage end to end: shipments booked through relais-sandbox, each playing a
/// journey, polled pass after pass on a scripted clock while the sandbox's time moves on.
@Suite(.serialized) struct TrackingStageTests {
    static let journeys: [(SandboxJourney, TrackingStatus?)] = [
        (.normal, .delivered), (.failedThenDelivered, .delivered), (.relay, .delivered), (.returnToSender, .returnedToSender),
        (.outOfOrder, .delivered), (.duplicates, .delivered), (.unknownCodes, .delivered), (.noEvents, nil),
    ]

    /// Books one shipment per journey; returns the ids in the journeys' order.
    func bookJourneys(_ rig: BookingRig, sandbox: Sandbox, url: String, http: CarrierHTTP) async throws -> [String] {
        _ = try await rig.store.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])
        let ids = try await rig.makeShipments(Self.journeys.count)
        for carrier in sandbox.carrierIDs {
            var knobs = sandbox.knobs(for: carrier)
            knobs.journeyStepMilliseconds = 3_600_000
            for (id, journey) in zip(ids, Self.journeys.map(\.0)) { knobs.journeys[id] = journey }
            sandbox.setKnobs(knobs, for: carrier)
        }
        try await rig.run(try rig.stage(sandbox: url, http: http), seconds: 30) { $0.count(.booked) == ids.count }
        return ids
    }

    func stage(
        _ rig: BookingRig, url: String, http: CarrierHTTP, clock: ScriptedClock, gates: CarrierGates = CarrierGates(),
        settings: DaemonConfig.Tracking = DaemonConfig.Tracking()
    ) -> TrackingStage {
        let adapters = Dictionary(
            uniqueKeysWithValues: Fixtures.panel.carriers.map { ($0.carrier.id, Fixtures.adapter($0.carrier.id, sandbox: url, http: http)) })
        gates.configure(adapters.mapValues { CarrierGate.Limits(maxInFlight: max(1, $0.api.maxInFlight)) })
        return TrackingStage(
            store: rig.store, adapters: adapters, panel: Fixtures.panel.panel, sites: [Fixtures.lyon], settings: settings,
            gates: gates, clock: clock)
    }

    @Test func everyJourneyEndsInItsStatusWithOneOutboxEventPerChange() async throws {
        let rig = try BookingRig()
        defer { rig.remove() }
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let ids = try await bookJourneys(rig, sandbox: sandbox, url: url, http: http)
                // Three days after booking: past every pickup date.
                let clock = ScriptedClock(Instant(millisecondsSinceEpoch: BookingRig.now()) + .seconds(3 * 86_400))
                let tracking = stage(rig, url: url, http: http, clock: clock)
                for _ in 0..<8 {
                    sandbox.advanceClock(by: .seconds(3600))
                    let report = try await tracking.pass()
                    #expect(report.failed == 0 && report.deferredByGate == 0, "\(report)")
                    clock.advance(by: .seconds(2 * 3600))
                }
                for (id, (journey, status)) in zip(ids, Self.journeys) {
                    let shown = try await rig.store.tracking(shipment: id)
                    #expect(shown?.status == status, "\(id) \(journey)")
                    if status?.isTerminal == true { #expect(shown?.nextPollAt == nil, "\(journey)") }
                }
                // The normal journey: four changes, each announced once, in order.
                let normal = try await rig.store.outboxDeliveries(state: "pending", limit: 1000)
                    .filter { $0.type == "shipment.tracking" && $0.shipmentID == ids[0] }
                #expect(normal.count == 4)
                // Nothing terminal is due any more; the parcel without events still is.
                let carrier = try #require(try await rig.store.shipment(id: ids[7])?.carrier)
                let due = try await rig.store.dueTracking(carrier: carrier, now: clock.now() + .seconds(86_400), limit: 100)
                #expect(due.map(\.shipmentID).contains(ids[7]))
                #expect(!due.map(\.shipmentID).contains(ids[0]))
            }
        }
    }

    /// A pass takes at most `batch` shipments of a carrier and says when it took a whole
    /// batch, so that the service goes again at once instead of pausing.
    @Test func aCarrierThatFillsItsBatchSaysSoUntilItsDueAreDone() async throws {
        let rig = try BookingRig()
        defer { rig.remove() }
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let ids = try await bookJourneys(rig, sandbox: sandbox, url: url, http: http)
                let carriers = try await rig.store.shipments(state: .booked, limit: 100).compactMap(\.carrier)
                let perCarrier = Dictionary(grouping: carriers, by: { $0 }).mapValues(\.count)
                let clock = ScriptedClock(Instant(millisecondsSinceEpoch: BookingRig.now()) + .seconds(3 * 86_400))
                var settings = DaemonConfig.Tracking()
                settings.batch = 3
                let tracking = stage(rig, url: url, http: http, clock: clock, settings: settings)
                var report = try await tracking.pass()
                #expect(report.fullBatches == perCarrier.values.filter { $0 >= 3 }.count)
                #expect(report.polled == perCarrier.values.map { min($0, 3) }.reduce(0, +))
                var polled = report.polled
                var passes = 1
                while report.fullBatches > 0 && passes < ids.count {
                    report = try await tracking.pass()
                    polled += report.polled
                    passes += 1
                }
                #expect(report.fullBatches == 0 && polled == ids.count, "after \(passes) passes")
            }
        }
    }

    @Test func bookingGoesFirstAndNothingIsPolledBeforeThePickupDate() async throws {
        let rig = try BookingRig()
        defer { rig.remove() }
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let ids = try await bookJourneys(rig, sandbox: sandbox, url: url, http: http)
                let carriers = Set(try await rig.store.shipments(state: .booked, limit: 100).compactMap(\.carrier))
                let clock = ScriptedClock(Instant(millisecondsSinceEpoch: BookingRig.now()) + .seconds(3 * 86_400))
                let gates = CarrierGates()
                let tracking = stage(rig, url: url, http: http, clock: clock, gates: gates)
                let requests = sandbox.carrierIDs.reduce(0) { $0 + sandbox.requestCount(carrier: $1) }
                // A booking call waits at every carrier: tracking gives way, and calls nothing.
                gates.setBookingWaiting(Dictionary(uniqueKeysWithValues: carriers.map { ($0, 1) }))
                let waiting = try await tracking.pass()
                #expect(waiting.deferredByGate == ids.count && waiting.polled == 0)
                #expect(sandbox.carrierIDs.reduce(0) { $0 + sandbox.requestCount(carrier: $1) } == requests)
                gates.setBookingWaiting([:])
                #expect(try await tracking.pass().polled == ids.count)

                // Before the pickup date (its order ready only in two days): skipped, due again
                // at the pickup date's start, and the carrier not called.
                let rig2 = try BookingRig()
                defer { rig2.remove() }
                let fresh = try await rig2.makeShipments(1, prefix: "e")
                try await rig2.run(try rig2.stage(sandbox: url, http: http), seconds: 30) { $0.count(.booked) == 1 }
                let later = BookingRig.now() / 1000 + 2 * 86_400
                try await rig2.store.pool.write { db in try db.execute(sql: "UPDATE orders SET ready_at = ?", arguments: [later]) }
                let early = ScriptedClock(Instant(millisecondsSinceEpoch: BookingRig.now()) + .seconds(60))
                let before = sandbox.carrierIDs.reduce(0) { $0 + sandbox.requestCount(carrier: $1) }
                let report = try await stage(rig2, url: url, http: http, clock: early).pass()
                #expect(report.skipped == 1 && report.polled == 0)
                #expect(sandbox.carrierIDs.reduce(0) { $0 + sandbox.requestCount(carrier: $1) } == before)
                let next = try #require(try await rig2.store.tracking(shipment: fresh[0])?.nextPollAt)
                #expect(next > Instant(secondsSinceEpoch: later - 86_400) && next <= Instant(secondsSinceEpoch: later + 4 * 86_400))
            }
        }
    }
}
