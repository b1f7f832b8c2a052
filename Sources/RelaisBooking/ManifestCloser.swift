import Foundation
import RelaisCarriers
import RelaisCore
import RelaisStore

/// Closes end-of-day manifests (SPEC §14): per carrier × site × pickup date, the booked
/// shipments on no manifest, at the day's close time (``ManifestSchedule``) or when an
/// operator asks.
///
/// Each close is three steps, so that a crash never doubles one: the store records the
/// manifest `closing` with its shipments; the carrier's `[api.manifest]` is called (through
/// its gate, priority `background`) and the files are written
/// (`<manifests>/<id>.csv` always, `<id>.pdf` when the carrier sends a document); the store
/// closes it and announces `manifest.closed`. A manifest left `closing` is finished with the
/// same shipments and the same id at the next pass or start-up.
public final class ManifestCloser: Sendable {
    /// What the closer needs to know of a carrier at a site: its day's close times, and the
    /// site's time zone.
    public struct Place: Sendable {
        public var schedule: ManifestSchedule
        public var timeZone: TimeZone

        public init(schedule: ManifestSchedule, timeZone: TimeZone) {
            self.schedule = schedule
            self.timeZone = timeZone
        }
    }

    let store: any ManifestLedger
    let gates: CarrierGates
    let adapter: @Sendable (String) -> CarrierAdapter?
    let place: @Sendable (_ carrier: String, _ site: String) -> Place?
    /// `<state>/manifests`.
    public let directory: String
    let clock: any WallClock
    /// How long the carrier's manifest call may take in all (a login, the call, a login again
    /// and the call again when a token is refused) before it is given up; nil: the carrier's
    /// own timeouts alone.
    let callBudget: Duration?

    /// - Parameter callBudget: where several nodes share the store, shorter than the lease
    ///   on a manifest being closed, so that no other node takes it over and sends it while
    ///   this node's call is still in flight; nil with one node.
    public init(
        store: any ManifestLedger, gates: CarrierGates, adapter: @escaping @Sendable (String) -> CarrierAdapter?,
        place: @escaping @Sendable (String, String) -> Place?, directory: String, clock: any WallClock = SystemWallClock(),
        callBudget: Duration? = nil
    ) throws {
        self.store = store
        self.gates = gates
        self.adapter = adapter
        self.place = place
        self.directory = directory
        self.clock = clock
        self.callBudget = callBudget
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Why a close did not finish now; the manifest stays `closing` and is finished later.
    public struct Unfinished: Error, CustomStringConvertible, Sendable {
        public var manifest: String
        public var reason: String
        public var description: String { "manifest \(manifest) is closing, not closed: \(reason); it is finished at the next pass" }
    }

    /// Closes `carrier` at `site` now, for its current pickup date (the next one after a
    /// date already closed), as `relaisctl manifest close` asks.
    /// - Throws: ``StoreError`` refused (nothing waits, unknown pair), ``Unfinished``.
    public func close(carrier: String, site: String) async throws -> ManifestRecord {
        guard let place = place(carrier, site) else {
            throw StoreError.refused("no carrier \(carrier) with a service at site \(site) in the panel in force")
        }
        let now = clock.now()
        let local = LocalTime(instant: now.secondsSinceEpoch, in: place.timeZone)
        let last = try await store.lastManifestDate(carrier: carrier, site: site)
        let date = place.schedule.pickupDate(now: local, after: last)
        return try await finish(try await store.beginManifest(carrier: carrier, site: site, pickupDate: date, now: now))
    }

    /// One pass of the automatic closes: manifests left `closing` are finished, then every
    /// carrier × site whose day's close time has come is closed.
    /// - Returns: the manifests closed, and what could not be finished.
    public func pass() async throws -> (closed: [ManifestRecord], unfinished: [Unfinished]) {
        var closed: [ManifestRecord] = []
        var unfinished: [Unfinished] = []
        for record in try await store.closingManifests(now: clock.now()) {
            do {
                closed.append(try await finish(record))
            } catch let error as Unfinished {
                unfinished.append(error)
            } catch let error as StoreError where error.isRefused {
                // Another node finished it after this one's lease ran out: closed once.
                continue
            }
        }
        let now = clock.now()
        for group in try await store.unmanifested() {
            guard let place = place(group.carrier, group.site) else { continue }
            let local = LocalTime(instant: now.secondsSinceEpoch, in: place.timeZone)
            guard let date = place.schedule.dueClose(now: local, lastClosed: group.lastClosed) else { continue }
            let record: ManifestRecord
            do {
                record = try await store.beginManifest(carrier: group.carrier, site: group.site, pickupDate: date, now: now)
            } catch let error as StoreError where error.isRefused {
                // Several nodes on one store: another node closed the pair since it was
                // listed, or is closing it now; it is that node's to finish.
                continue
            }
            do { closed.append(try await finish(record)) } catch let error as Unfinished { unfinished.append(error) }
        }
        return (closed, unfinished)
    }

    /// The carrier's call (when it takes manifests), the files, then the store's close.
    func finish(_ record: ManifestRecord) async throws -> ManifestRecord {
        var receipt = CarrierAdapter.ManifestReceipt()
        if let adapter = adapter(record.carrier), adapter.api.manifest != nil {
            receipt = try await callCarrier(adapter, record)
        }
        var documentPath: String?
        if let document = receipt.document {
            documentPath = try write(Data(document), name: "\(record.id).pdf")
        }
        let csvPath = try write(Data(Self.csv(record).utf8), name: "\(record.id).csv")
        return try await store.finishManifest(
            record.id, csvPath: csvPath, documentPath: documentPath, carrierReference: receipt.number, now: clock.now())
    }

    private func callCarrier(_ adapter: CarrierAdapter, _ record: ManifestRecord) async throws -> CarrierAdapter.ManifestReceipt {
        let carrier = record.carrier
        let pass: CarrierGate.Pass
        switch gates.admit(carrier, .background, now: clock.now()) {
        case .admitted(let admitted): pass = admitted
        case .refused(let refusal): throw Unfinished(manifest: record.id, reason: "\(carrier) cannot take a call now (\(refusal))")
        case nil: throw Unfinished(manifest: record.id, reason: "\(carrier) has no gate: it is not bookable now")
        }
        let parcels = record.lines.map { (trackingNumber: $0.trackingNumber, reference: $0.shipmentID, weightKg: $0.weightKg) }
        let now = clock.now().millisecondsSinceEpoch
        let call = { @Sendable in await adapter.closeManifest(id: record.id, pickupDate: record.pickupDate.description, parcels: parcels, now: now) }
        guard let result = await Self.within(callBudget, call) else {
            // Given up (the request cancelled) before the lease runs out: whatever the carrier
            // made of it, the next pass asks again with the same id, as after any failure.
            gates.finished(carrier, pass, outcome: .failed, now: clock.now())
            throw Unfinished(
                manifest: record.id,
                reason: "\(carrier) did not answer within \(callBudget.map(\.description) ?? "?"), the time this node holds the manifest for (the store's lease, less a margin)")
        }
        switch result {
        case .success(let receipt):
            gates.finished(carrier, pass, outcome: .answered, now: clock.now())
            return receipt
        case .failure(let failure) where failure.failureClass == .permanent:
            // Refused for good: the day still closes, on Relais's own list; the reason is logged.
            gates.finished(carrier, pass, outcome: failure.refusedBeforeSending ? .notSent : .answered, now: clock.now())
            return CarrierAdapter.ManifestReceipt(number: nil, document: nil)
        case .failure(let failure):
            // Asked again with the same id and parcels: a carrier that took it answers the same.
            gates.finished(carrier, pass, outcome: .failed, now: clock.now())
            throw Unfinished(manifest: record.id, reason: "\(carrier): \(failure)")
        }
    }

    /// `call`'s result, or nil when `budget` ran out first (the call is then cancelled).
    static func within<T: Sendable>(_ budget: Duration?, _ call: @escaping @Sendable () async -> T) async -> T? {
        guard let budget else { return await call() }
        return await withTaskGroup(of: T?.self) { group in
            group.addTask { await call() }
            group.addTask {
                try? await Task.sleep(for: budget)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Writes `name` in the manifests directory durably (Foundation writes a temporary file,
    /// fsyncs it and renames it).
    private func write(_ data: Data, name: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// `shipment,tracking_number,service,parcels,weight_kg,orders`, one line per shipment
    /// (RFC 4180; orders separated by spaces).
    public static func csv(_ record: ManifestRecord) -> String {
        var text = CSV.line(["shipment", "tracking_number", "service", "parcels", "weight_kg", "orders"])
        for line in record.lines {
            text += CSV.line([
                line.shipmentID, line.trackingNumber, line.service, String(line.parcels), String(format: "%.3f", line.weightKg),
                line.orderIDs.joined(separator: " "),
            ])
        }
        return text
    }
}
