import Foundation
import RelaisBooking
import RelaisCarriers
import RelaisCore
import RelaisRecords
import RelaisSandbox
import RelaisStore
import RelaisTesting
import Testing

/// End-of-day manifests (SPEC §14) against relais-sandbox, on a scripted clock: closed at
/// the day's cutoff (site time) or on demand, a late booking on the next pickup date's
/// manifest, Colissimo's bordereau kept, a CSV always, `manifest.closed` announced, and a
/// close cut short finished once, never doubled.
@Suite(.serialized) struct ManifestTests {
    /// Monday 2026-11-30, 10:00 in Lyon (09:00 UTC).
    static let mondayMorning = Instant(millisecondsSinceEpoch: 1_796_029_200_000)

    static func closer(
        _ rig: BookingRig, carrier: String, url: String, http: CarrierHTTP, clock: ScriptedClock, callBudget: Duration? = nil
    ) throws -> ManifestCloser {
        let adapter = Fixtures.adapter(carrier, sandbox: url, http: http)
        let gates = CarrierGates(BookingStage.limits([carrier: adapter], settings: BookingRig.settings()))
        let services = Fixtures.panel.carriers.first { $0.carrier.id == carrier }!.carrier.services.filter { $0.collects(from: Fixtures.lyon) }
        let place = ManifestCloser.Place(schedule: ManifestSchedule(services: services, siteCutoff: nil), timeZone: Fixtures.paris)
        return try ManifestCloser(
            store: rig.store, gates: gates, adapter: { $0 == carrier ? adapter : nil },
            place: { $0 == carrier && $1 == Fixtures.lyon.id ? place : nil },
            directory: rig.directory.appendingPathComponent("manifests").path, clock: clock, callBudget: callBudget)
    }

    /// Books `count` more shipments at `carrier` (the rig's policy allows no other).
    static func book(_ rig: BookingRig, count: Int, prefix: String, url: String, http: CarrierHTTP) async throws -> [String] {
        let before = try await rig.store.queueCounts()[.booked] ?? 0
        let ids = try await rig.makeShipments(count, prefix: prefix)
        try await rig.run(try rig.stage(sandbox: url, http: http)) { $0.count(.booked) == before + count }
        return ids
    }

    static func rig(_ carrier: String) async throws -> BookingRig {
        let rig = try BookingRig(exclude: CancelTests.carriers.filter { $0 != carrier })
        try await rig.store.configureOutbox(endpoints: [OutboxEndpointSetting(target: "spool")], trackingURLs: [:])
        return rig
    }

    @Test func theDayClosesAtItsCutoffWithTheCarriersBordereauAndALateBookingWaitsForTheNextDay() async throws {
        let rig = try await Self.rig("colissimo")
        defer { rig.remove() }
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let clock = ScriptedClock(Self.mondayMorning)
                let closer = try Self.closer(rig, carrier: "colissimo", url: url, http: http, clock: clock)
                let first = try await Self.book(rig, count: 3, prefix: "a", url: url, http: http)

                // Before the 16:00 cutoff, nothing closes.
                #expect(try await closer.pass().closed.isEmpty)
                clock.advance(by: .seconds(6 * 3600))  // 16:00 in Lyon
                let closed = try await closer.pass().closed
                let manifest = try #require(closed.first)
                #expect(closed.count == 1)
                #expect(manifest.id == "M-colissimo-lyon-dc-20261130" && manifest.state == "closed")
                #expect(Set(manifest.lines.map(\.shipmentID)) == Set(first))
                // The bordereau: the sandbox's number, its PDF kept; the CSV always.
                #expect(sandbox.ledger.manifestCount(carrier: "colissimo") == 1)
                let number = try #require(manifest.carrierReference)
                #expect(number.count == 8)
                let document = try #require(manifest.documentPath)
                #expect(FileManager.default.contents(atPath: document)?.starts(with: Array("%PDF".utf8)) == true)
                let csv = try String(contentsOfFile: try #require(manifest.csvPath), encoding: .utf8)
                #expect(csv.hasPrefix("shipment,tracking_number,service,parcels,weight_kg,orders\r\n"))
                #expect(csv.split(separator: "\r\n").count == 4)
                for line in manifest.lines { #expect(csv.contains("\(line.shipmentID),\(line.trackingNumber),")) }
                let events = try await rig.store.outboxDeliveries(state: "pending", endpoint: nil, limit: 1000)
                #expect(events.filter { $0.type == OutboxEventType.manifestClosed.rawValue }.count == 1)

                // Booked after the close: not on today's manifest, whatever the hour.
                let late = try await Self.book(rig, count: 1, prefix: "b", url: url, http: http)
                clock.advance(by: .seconds(2 * 3600))
                #expect(try await closer.pass().closed.isEmpty)
                // Tuesday's cutoff closes it on Tuesday's manifest.
                clock.advance(by: .seconds(22 * 3600))
                let tuesday = try await closer.pass().closed
                #expect(tuesday.map(\.id) == ["M-colissimo-lyon-dc-20261201"])
                #expect(tuesday.first?.lines.map(\.shipmentID) == late)
                #expect(sandbox.ledger.manifestCount(carrier: "colissimo") == 2)
                // On a closed manifest, a cancel is refused and says why.
                await #expect {
                    try await rig.store.beginCancel(first[0], actor: .operator(uid: 0), now: clock.now())
                } throws: { "\($0)".contains("manifest M-colissimo-lyon-dc-20261130") }
            }
        }
    }

    @Test func anOperatorClosesBeforeTheCutoffAndLaterBookingsGoToTheNextPickupDate() async throws {
        let rig = try await Self.rig("chronopost")
        defer { rig.remove() }
        try await withSandbox { _, url in
            try await withHTTP { http in
                // Friday 2026-12-04, 10:00: the next pickup after it is Monday the 7th.
                let clock = ScriptedClock(Self.mondayMorning + .seconds(4 * 86_400))
                let closer = try Self.closer(rig, carrier: "chronopost", url: url, http: http, clock: clock)
                let first = try await Self.book(rig, count: 2, prefix: "a", url: url, http: http)
                let manifest = try await closer.close(carrier: "chronopost", site: "lyon-dc")
                #expect(manifest.id == "M-chronopost-lyon-dc-20261204" && Set(manifest.lines.map(\.shipmentID)) == Set(first))
                // Chronopost takes no manifest call: the CSV alone, no carrier number.
                #expect(manifest.documentPath == nil && manifest.carrierReference == nil && manifest.csvPath != nil)
                await #expect { try await closer.close(carrier: "chronopost", site: "lyon-dc") } throws: {
                    "\($0)".contains("no booked shipment of chronopost at lyon-dc waits")
                }
                let late = try await Self.book(rig, count: 1, prefix: "b", url: url, http: http)
                // The cutoff passes: today is closed already, so nothing more today.
                clock.advance(by: .seconds(8 * 3600))
                #expect(try await closer.pass().closed.isEmpty)
                let next = try await closer.close(carrier: "chronopost", site: "lyon-dc")
                #expect(next.id == "M-chronopost-lyon-dc-20261207" && next.lines.map(\.shipmentID) == late)
                let listed = try await rig.store.manifests(pickupDate: CivilDate("2026-12-04"), limit: 10)
                #expect(listed.map(\.id) == ["M-chronopost-lyon-dc-20261204"])
                await #expect { try await closer.close(carrier: "dpd", site: "lyon-dc") } throws: { "\($0)".contains("no carrier dpd") }
            }
        }
    }

    @Test func aCloseCutShortIsFinishedOnceWithTheSameShipmentsNeverDoubled() async throws {
        let rig = try await Self.rig("colissimo")
        defer { rig.remove() }
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let clock = ScriptedClock(Self.mondayMorning)
                let ids = try await Self.book(rig, count: 2, prefix: "a", url: url, http: http)
                // A close begun, the carrier called, then the process died before recording it.
                let begun = try await rig.store.beginManifest(
                    carrier: "colissimo", site: "lyon-dc", pickupDate: CivilDate("2026-11-30")!, now: clock.now())
                let adapter = Fixtures.adapter("colissimo", sandbox: url, http: http)
                let parcels = begun.lines.map { (trackingNumber: $0.trackingNumber, reference: $0.shipmentID, weightKg: $0.weightKg) }
                let first = try await adapter.closeManifest(id: begun.id, pickupDate: "2026-11-30", parcels: parcels, now: 0).get()
                // A shipment booked meanwhile is not added to the manifest being finished.
                let meanwhile = try await Self.book(rig, count: 1, prefix: "b", url: url, http: http)

                // The next start's pass finishes it: same id, same shipments, same bordereau.
                let closer = try Self.closer(rig, carrier: "colissimo", url: url, http: http, clock: clock)
                let finished = try await closer.pass().closed
                #expect(finished.map(\.id) == [begun.id])
                #expect(Set(finished.first?.lines.map(\.shipmentID) ?? []) == Set(ids))
                #expect(finished.first?.carrierReference == first.number)
                #expect(sandbox.ledger.manifestCount(carrier: "colissimo") == 1)
                #expect(try await rig.store.closingManifests().isEmpty)
                #expect(try await rig.store.unmanifested().map(\.shipments) == [meanwhile.count])
            }
        }
    }

    @Test func aCarrierThatDoesNotAnswerLeavesTheManifestClosingUntilItDoes() async throws {
        var knobs = SandboxKnobs()
        knobs.script = [.transient]
        _ = try await Self.unfinishedClose(knobs: knobs, reason: "closing, not closed")
    }

    /// With several nodes on one store, a manifest being closed is held for a lease: a call
    /// still in flight when it runs out could be sent again by the node that takes it over.
    /// The call is given up within the budget (the lease less a margin), however long the
    /// carrier's own timeouts, and the manifest finished later, once, with the same id.
    @Test func aCallOutlastingItsBudgetIsGivenUpAndFinishedLaterOnce() async throws {
        var knobs = SandboxKnobs()
        knobs.script = [.timeoutAfterRead]
        knobs.hangMilliseconds = 10_000
        let took = try await Self.unfinishedClose(knobs: knobs, callBudget: .milliseconds(300), reason: "did not answer within 0.3 seconds")
        // Colissimo's own timeout is 20 s and the sandbox holds its answer for 10 s.
        #expect(took < .seconds(5))
    }

    /// One Colissimo shipment booked, then a close that the sandbox spoils as `knobs` say:
    /// it throws ``ManifestCloser/Unfinished`` saying `reason` and leaves the manifest
    /// `closing`; the next pass closes it, once, with the same id.
    /// - Returns: how long the spoiled close took.
    static func unfinishedClose(knobs: SandboxKnobs, callBudget: Duration? = nil, reason: String) async throws -> Duration {
        let rig = try await Self.rig("colissimo")
        defer { rig.remove() }
        return try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let clock = ScriptedClock(Self.mondayMorning)
                _ = try await Self.book(rig, count: 1, prefix: "a", url: url, http: http)
                let closer = try Self.closer(rig, carrier: "colissimo", url: url, http: http, clock: clock, callBudget: callBudget)
                sandbox.setKnobs(knobs, for: "colissimo")
                let started = ContinuousClock.now
                await #expect { try await closer.close(carrier: "colissimo", site: "lyon-dc") } throws: {
                    $0 is ManifestCloser.Unfinished && "\($0)".contains(reason)
                }
                let took = ContinuousClock.now - started
                #expect(try await rig.store.closingManifests().count == 1)
                // The next pass without a budget: a loaded machine (the whole suite on two
                // cores) once took more than 0.3 s to answer an unhindered call.
                let pass = try await Self.closer(rig, carrier: "colissimo", url: url, http: http, clock: clock).pass()
                #expect(pass.closed.count == 1 && pass.unfinished.isEmpty)
                #expect(pass.closed.first?.id == "M-colissimo-lyon-dc-20261130")
                #expect(sandbox.ledger.manifestCount(carrier: "colissimo") == 1)
                #expect(try await rig.store.closingManifests().isEmpty)
                return took
            }
        }
    }
}
