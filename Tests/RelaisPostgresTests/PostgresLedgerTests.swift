import Foundation
import PostgresNIO
import RelaisBooking
import RelaisCarriers
import RelaisConfig
import RelaisCore
@testable import RelaisPostgres
import RelaisStore
import RelaisTesting
import Testing

/// Manifests across nodes (SPEC §14, §16): what the conformance suite cannot show on one
/// process, a `closing` manifest held by one node under a lease, and two nodes' manifest
/// passes running at once.
@Suite(.enabled(if: TestDatabase.url != nil, "RELAIS_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh"))
struct PostgresLedgerTests {
    /// Booked shipments for these orders on `store`, with tracking numbers `TRK-<id>`.
    static func booked(_ store: PostgresStore, _ ids: [String], at now: Instant) async throws -> [ClaimedShipment] {
        _ = try await store.accept(
            ids.enumerated().map { Fixtures.incoming(Fixtures.json(id: $1, name: "Client \($0)", street: "\($0) rue \($1)")) },
            source: "test", now: Fixtures.readyMillis)
        _ = try await Fixtures.stage(store).runOnce(now: Fixtures.readyMillis)
        let claimed = try await store.claim(limits: [:], othersLimit: ids.count, now: now)
        try await store.commit(
            claimed.map {
                BookingOutcome(
                    shipment: $0.id, carrier: $0.carrier ?? "", service: $0.service ?? "",
                    result: .booked(trackingNumber: "TRK-\($0.id)", carrierPrice: nil, labelPath: nil), startedAt: now, finishedAt: now)
            }, breakerOpenings: [], now: now)
        return claimed
    }

    @Test func aClosingManifestIsFinishedByTheNodeHoldingItAndTakenOverOnceItsLeaseRunsOut() async throws {
        try await TestDatabase.withSchema { client in
            let a = PostgresStore(client: client, node: "node-a", lease: .seconds(30), deadline: TestDatabase.deadline)
            let b = PostgresStore(client: client, node: "node-b", lease: .seconds(30), deadline: TestDatabase.deadline)
            try await a.migrate()
            let now = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1_000)
            let claims = try await Self.booked(a, ["Z-1", "Z-2"], at: now)
            let (carrier, site) = (try #require(claims[0].carrier), claims[0].site)
            let date = try #require(CivilDate("2026-11-23"))
            let begun = try await a.beginManifest(carrier: carrier, site: site, pickupDate: date, now: now)
            // node-a is calling the carrier: node-b's pass leaves the manifest alone.
            #expect(try await b.closingManifests(now: now + .seconds(10)).isEmpty)
            #expect(try await a.closingManifests(now: now + .seconds(10)).map(\.id) == [begun.id])
            await #expect(throws: StoreError.self) {
                _ = try await b.beginManifest(carrier: carrier, site: site, pickupDate: CivilDate(dayNumber: date.dayNumber + 1), now: now + .seconds(10))
            }
            // node-a stopped (its last take at +10 s held until +40 s): node-b takes it, the same id and shipments.
            let taken = try await b.closingManifests(now: now + .seconds(41))
            #expect(taken.map(\.id) == [begun.id] && taken.first?.lines == begun.lines)
            #expect(try await a.closingManifests(now: now + .seconds(42)).isEmpty)
            let closed = try await b.finishManifest(begun.id, csvPath: "/b.csv", documentPath: nil, carrierReference: nil, now: now + .seconds(42))
            #expect(closed.state == "closed" && closed.lines == begun.lines)
            #expect(try await a.manifests(pickupDate: date, limit: 10).map(\.id) == [begun.id])
        }
    }

    @Test func twoNodesManifestPassesAtOnceCloseEachCarrierAndSiteOnce() async throws {
        try await TestDatabase.withSchema { client in
            let a = PostgresStore(client: client, node: "node-a", deadline: TestDatabase.deadline)
            let b = PostgresStore(client: client, node: "node-b", deadline: TestDatabase.deadline)
            try await a.migrate()
            let booked = Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 1_000)
            let claims = try await Self.booked(a, (1...8).map { "Y-\($0)" }, at: booked)
            // 23:00 in Lyon that Monday: every carrier's day has closed.
            let clock = ScriptedClock(Instant(millisecondsSinceEpoch: Fixtures.readyMillis + 12 * 3_600_000 + 45 * 60_000))
            let panel = try PanelLoader.load(directory: Repository.path("carriers")).panel
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("relais-manifests-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            func closer(_ store: PostgresStore, _ name: String) throws -> ManifestCloser {
                try ManifestCloser(
                    store: store, gates: CarrierGates(), adapter: { _ in nil },
                    place: { carrier, site in
                        guard site == Fixtures.lyon.id, let loaded = panel.carriers.first(where: { $0.id == carrier }) else { return nil }
                        return ManifestCloser.Place(
                            schedule: ManifestSchedule(services: loaded.services.filter { $0.collects(from: Fixtures.lyon) }, siteCutoff: nil),
                            timeZone: Fixtures.lyon.timeZone)
                    },
                    directory: root.appendingPathComponent(name).path, clock: clock)
            }
            let (closerA, closerB) = (try closer(a, "a"), try closer(b, "b"))
            async let passA = closerA.pass()
            async let passB = closerB.pass()
            let (resultA, resultB) = try await (passA, passB)
            let closed = resultA.closed + resultB.closed
            #expect(Set(closed.map(\.id)).count == closed.count, "one manifest closed twice: \(closed.map(\.id))")
            let listed = try await a.manifests(pickupDate: nil, limit: 100)
            #expect(Set(listed.map(\.id)) == Set(closed.map(\.id)))
            #expect(listed.allSatisfy { $0.state == "closed" })
            let groups = Set(claims.map { "\($0.carrier ?? "")|\($0.site)" })
            #expect(listed.count == groups.count)
            let lines = listed.flatMap(\.lines).map(\.shipmentID)
            #expect(lines.count == Set(lines).count && Set(lines) == Set(claims.map(\.id)))
        }
    }
}
