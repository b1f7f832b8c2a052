import Foundation
import RelaisBooking
import RelaisCarriers
import RelaisCore
import RelaisRecords
import RelaisSandbox
import RelaisStore
import RelaisTesting
import Testing

/// Cancels (SPEC §14) against relais-sandbox: a booked shipment is cancelled at its carrier
/// (the sandbox's ledger marks it void), refused when the carrier refuses, pending and asked
/// again when the answer is lost, never reported done before; a shipment not yet at a
/// carrier is cancelled without a call.
@Suite(.serialized) struct CancelTests {
    static let carriers = ["chronopost", "colissimo", "dpd", "mondialrelay", "velocite"]

    /// A rig whose policy can only choose `carrier`, with its shipments booked.
    static func booked(at carrier: String, count: Int = 1, url: String, http: CarrierHTTP) async throws -> (BookingRig, [String]) {
        let rig = try BookingRig(exclude: carriers.filter { $0 != carrier })
        // Vélocité rides within Lyon only.
        let ids =
            carrier == "velocite"
            ? try await rig.makeShipments(count, postcode: "69003", city: "Lyon") : try await rig.makeShipments(count)
        try await rig.store.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])
        let stage = try rig.stage(sandbox: url, http: http)
        try await rig.run(stage) { $0.count(.booked) == count }
        for id in ids { #expect(try await rig.store.shipment(id: id)?.carrier == carrier) }
        return (rig, ids)
    }

    static func canceller(_ rig: BookingRig, url: String, http: CarrierHTTP, clock: any WallClock = SystemWallClock(), timeout: Double? = nil)
        -> ShipmentCanceller
    {
        let adapters = Dictionary(uniqueKeysWithValues: carriers.map { ($0, Fixtures.adapter($0, sandbox: url, http: http, timeout: timeout)) })
        let gates = CarrierGates(BookingStage.limits(adapters, settings: BookingRig.settings()))
        return ShipmentCanceller(store: rig.store, gates: gates, adapter: { adapters[$0] }, clock: clock, retryEvery: .seconds(60))
    }

    static func cancelledEvents(_ rig: BookingRig, _ id: String) async throws -> Int {
        try await rig.store.outboxDeliveries(state: "pending", endpoint: nil, limit: 1000)
            .filter { $0.shipmentID == id && $0.type == OutboxEventType.shipmentCancelled.rawValue }.count
    }

    @Test(arguments: ["chronopost", "velocite"])
    func aBookedShipmentIsCancelledAtItsCarrierAndTheLedgerMarksItVoid(carrier: String) async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let (rig, ids) = try await Self.booked(at: carrier, url: url, http: http)
                defer { rig.remove() }
                let id = try #require(ids.first)
                let tracking = try #require(try await rig.store.shipment(id: id)?.trackingNumber)
                #expect(sandbox.ledger.entry(carrier: carrier, trackingNumber: tracking)?.void == false)
                let before = sandbox.requestCount(carrier: carrier)

                let end = try await Self.canceller(rig, url: url, http: http).cancel(id, actor: .operator(uid: 0))

                #expect(end == .cancelled)
                #expect(sandbox.requestCount(carrier: carrier) == before + 1)
                #expect(sandbox.ledger.entry(carrier: carrier, trackingNumber: tracking)?.void == true)
                #expect(try await rig.store.shipment(id: id)?.state == .cancelled)
                #expect(try await Self.cancelledEvents(rig, id) == 1)
                let events = try await rig.store.events(shipment: id)
                #expect(events.contains { $0.kind == .shipment(.cancelledAtCarrier) && $0.detail.contains(tracking) })
                // Terminal: a second cancel is refused, and says why.
                await #expect {
                    try await Self.canceller(rig, url: url, http: http).cancel(id, actor: .operator(uid: 0))
                } throws: { "\($0)".contains("already cancelled") }
            }
        }
    }

    @Test func everyShippedCarrierSaysHowItCancels() {
        for carrier in Self.carriers {
            let api = Fixtures.api(carrier)
            #expect(api.cancel != nil || api.cancelsLocally, "\(carrier) has no [api.cancel]")
        }
        #expect(Fixtures.api("chronopost").cancel?.soapAction == "cancelSkybill")
        #expect(Fixtures.api("mondialrelay").cancelsLocally)
    }

    // Mondial Relay (relay points only) cancels locally as these do; its folder is checked above.
    @Test(arguments: ["colissimo", "dpd"])
    func aCarrierWithoutACancelCallIsCancelledInRelaisAlone(carrier: String) async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let (rig, ids) = try await Self.booked(at: carrier, url: url, http: http)
                defer { rig.remove() }
                let id = try #require(ids.first)
                let before = sandbox.requestCount(carrier: carrier)
                #expect(try await Self.canceller(rig, url: url, http: http).cancel(id, actor: .operator(uid: 0)) == .cancelled)
                #expect(sandbox.requestCount(carrier: carrier) == before)
                #expect(try await rig.store.shipment(id: id)?.state == .cancelled)
                #expect(try await Self.cancelledEvents(rig, id) == 1)
            }
        }
    }

    @Test func aRefusalLeavesTheShipmentBookedAndSaysWhy() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let (rig, ids) = try await Self.booked(at: "chronopost", url: url, http: http)
                defer { rig.remove() }
                let id = try #require(ids.first)
                var knobs = SandboxKnobs()
                knobs.script = [.permanent]
                sandbox.setKnobs(knobs, for: "chronopost")
                let end = try await Self.canceller(rig, url: url, http: http).cancel(id, actor: .operator(uid: 0))
                guard case .refused(let reason) = end else {
                    Issue.record("expected a refusal, got \(end)")
                    return
                }
                #expect(reason.contains("chronopost refused") && reason.contains("déjà été pris en charge"))
                #expect(try await rig.store.shipment(id: id)?.state == .booked)
                #expect(try await Self.cancelledEvents(rig, id) == 0)
                #expect(sandbox.ledger.bookings(reference: id).first?.void == false)
                #expect(try await rig.store.events(shipment: id).contains { $0.kind == .cancelRefused })
                // Refused is not pending: asking again goes to the carrier again.
                #expect(try await Self.canceller(rig, url: url, http: http).cancel(id, actor: .operator(uid: 0)) == .cancelled)
            }
        }
    }

    @Test func aLostAnswerIsPendingAskedAgainAndOnlyThenDone() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let (rig, ids) = try await Self.booked(at: "velocite", url: url, http: http)
                defer { rig.remove() }
                let id = try #require(ids.first)
                let clock = ScriptedClock()
                // A deadline the carrier's second answer meets on a loaded machine (the
                // whole suite on two cores: 0.5 s once was not), and a hang far beyond it.
                let canceller = Self.canceller(rig, url: url, http: http, clock: clock, timeout: 2)
                var knobs = SandboxKnobs()
                knobs.script = [.timeoutAfterRead]
                knobs.hangMilliseconds = 10_000
                sandbox.setKnobs(knobs, for: "velocite")

                let end = try await canceller.cancel(id, actor: .operator(uid: 0))

                guard case .pending = end else {
                    Issue.record("expected pending, got \(end)")
                    return
                }
                // The carrier did void it, but nobody knows yet: still booked, no event.
                #expect(sandbox.ledger.bookings(reference: id).first?.void == true)
                #expect(try await rig.store.shipment(id: id)?.state == .booked)
                #expect(try await Self.cancelledEvents(rig, id) == 0)
                // A second request while pending is refused with the reason.
                await #expect {
                    try await canceller.cancel(id, actor: .operator(uid: 0))
                } throws: { "\($0)".contains("already pending") }
                // Not due before its retry time…
                #expect(try await canceller.retryPending().isEmpty)
                clock.advance(by: .seconds(61))
                // …then asked again: the carrier answers, and only now is it cancelled.
                #expect(try await canceller.retryPending() == [id: .cancelled])
                #expect(try await rig.store.shipment(id: id)?.state == .cancelled)
                #expect(try await Self.cancelledEvents(rig, id) == 1)
                #expect(try await canceller.retryPending().isEmpty)
            }
        }
    }

    /// A pending cancel is asked again after a minute, then after twice as long each time
    /// its outcome is lost again, at most an hour apart: never given up, never hammered.
    @Test func aPendingCancelIsAskedLessOftenEachTime() {
        func delay(_ calls: Int) -> Duration {
            ShipmentCanceller.retryDelay(afterCalls: calls, first: .seconds(60), maximum: .seconds(3600))
        }
        #expect((0...8).map(delay) == [60, 60, 120, 240, 480, 960, 1920, 3600, 3600].map { Duration.seconds($0) })
        #expect(delay(Int.max) == .seconds(3600))
        #expect(ShipmentCanceller.retryDelay(afterCalls: 5, first: .seconds(60), maximum: .seconds(30)) == .seconds(30))
    }

    @Test func aTransientFailureOnTheFirstCallKeepsNothingPending() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let (rig, ids) = try await Self.booked(at: "chronopost", url: url, http: http)
                defer { rig.remove() }
                let id = try #require(ids.first)
                var knobs = SandboxKnobs()
                knobs.script = [.transient]
                sandbox.setKnobs(knobs, for: "chronopost")
                let clock = ScriptedClock()
                let canceller = Self.canceller(rig, url: url, http: http, clock: clock)
                guard case .unavailable(let reason) = try await canceller.cancel(id, actor: .operator(uid: 0)) else {
                    Issue.record("expected unavailable")
                    return
                }
                #expect(reason.contains("try again later"))
                clock.advance(by: .seconds(3600))
                #expect(try await canceller.retryPending().isEmpty)
                #expect(try await rig.store.shipment(id: id)?.state == .booked)
            }
        }
    }

    @Test func aShipmentNotYetAtACarrierIsCancelledWithoutACall() async throws {
        let rig = try BookingRig()
        defer { rig.remove() }
        let ids = try await rig.makeShipments(3)
        try await rig.store.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])
        try await rig.store.apply(.hold, to: ids[1], actor: .operator(uid: 0), now: BookingRig.now())
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let canceller = Self.canceller(rig, url: url, http: http)
                for id in ids[0...1] {
                    #expect(try await canceller.cancel(id, actor: .operator(uid: 0)) == .cancelled)
                    #expect(try await rig.store.shipment(id: id)?.state == .cancelled)
                    #expect(try await Self.cancelledEvents(rig, id) == 1)
                }
                #expect(Self.carriers.allSatisfy { sandbox.requestCount(carrier: $0) == 0 })
                // A cancelled shipment is never claimed: the stage books the third alone.
                let stage = try rig.stage(sandbox: url, http: http)
                try await rig.run(stage) { $0.count(.booked) == 1 }
                #expect(sandbox.ledger.count == 1)
                #expect(sandbox.ledger.bookings(reference: ids[2]).count == 1)
            }
        }
        let counts = try await rig.store.queueCounts()
        #expect(counts.count(.cancelled) == 2)
    }

    @Test func anUnknownShipmentIsNotFound() async throws {
        let rig = try BookingRig()
        defer { rig.remove() }
        try await withHTTP { http in
            _ = await #expect {
                try await Self.canceller(rig, url: "http://127.0.0.1:9", http: http).cancel("S-404", actor: .operator(uid: 0))
            } throws: { ($0 as? StoreError)?.isNotFound == true }
        }
    }
}
