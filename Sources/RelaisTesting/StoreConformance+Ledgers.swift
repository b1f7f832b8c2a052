import RelaisCore
import RelaisStore

/// Cancels, manifests and returns (SPEC §14): the promises every engine keeps, on one node
/// and on two nodes sharing a store.
extension StoreConformance {
    /// `store` in the role `Role`, or a failure naming the role the engine lacks.
    static func role<Role>(_ store: any DaemonStore, _ role: Role.Type) throws -> Role {
        guard let answered = store as? Role else { throw Failure(description: "the store does not answer \(Role.self)") }
        return answered
    }

    /// Booked shipments with these order ids: queued, claimed, booked with tracking number
    /// `TRK-<id>`. Returns the claims (carrier, service, site).
    func booked(_ store: any DaemonStore, _ ids: [String], at now: Instant) async throws -> [ClaimedShipment] {
        _ = try await queued(store, ids)
        let claimed = try await store.claim(limits: [:], othersLimit: ids.count, now: now)
        try await store.commit(
            claimed.map { claim in
                BookingOutcome(
                    shipment: claim.id, carrier: claim.carrier ?? "", service: claim.service ?? "",
                    result: .booked(trackingNumber: "TRK-\(claim.id)", carrierPrice: nil, labelPath: nil), startedAt: now, finishedAt: now)
            }, breakerOpenings: [], now: now)
        return claimed
    }

    /// The refusal `body` must end in, or a failure saying it went through.
    static func refusal(_ what: String, _ body: () async throws -> Void) async throws -> StoreError {
        do {
            try await body()
        } catch let error as StoreError {
            return error
        }
        throw Failure(description: "\(what) must be refused")
    }

    static let pickupDate = CivilDate("2026-11-30") ?? CivilDate(dayNumber: 0)

    public static let ledgerChecks: [Check] = [
        Check(description: "a cancel before any carrier is done at once; a booked one waits for its carrier, asked again until it answers") {
            fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let cancels = try role(store, (any CancelLedger).self)
            let manifests = try role(store, (any ManifestLedger).self)
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let booked = try await fixture.booked(store, ["K-1"], at: now)
            let queued = try await fixture.queued(store, ["K-2"])[0]
            try require(try await cancels.beginCancel(queued, actor: .operator(uid: 1000), now: now) == .cancelled, "a queued shipment is cancelled")
            try require(try await store.shipment(id: queued)?.state == .cancelled, "cancelled state")
            let counts = try await store.queueCounts()
            try require(counts[.cancelled] == 1, "counted as cancelled: \(counts)")
            let twice = try await refusal("a second cancel") { _ = try await cancels.beginCancel(queued, actor: .operator(uid: 1000), now: now) }
            try require(twice.isRefused, "a cancelled shipment: \(twice)")

            let id = booked[0].id
            guard case .callCarrier(let job) = try await cancels.beginCancel(id, actor: .operator(uid: 1000), now: now) else {
                throw Failure(description: "a booked shipment needs its carrier")
            }
            try require(job.trackingNumber == "TRK-\(id)" && !job.retrying, "job \(job)")
            let pending = try await refusal("a cancel while one is pending") {
                _ = try await cancels.beginCancel(id, actor: .operator(uid: 1000), now: now)
            }
            try require(pending.description.contains("already pending"), "refusal: \(pending)")
            try require(try await manifests.unmanifested().isEmpty, "a shipment with a cancel pending waits for no manifest")
            try require(try await cancels.claimPendingCancels(now: now, lease: .seconds(60), limit: 10).isEmpty, "the first call holds it")

            let retryAt = now + .seconds(60)
            let end = try await cancels.finishCancel(job, result: .unknown("timed out"), actor: .operator(uid: 1000), now: now, retryAt: retryAt)
            guard case .pending = end else { throw Failure(description: "an unknown outcome is pending: \(end)") }
            try require(try await store.shipment(id: id)?.state == .booked, "still booked until the carrier confirms")
            try require(try await cancels.claimPendingCancels(now: now + .seconds(30), lease: .seconds(60), limit: 10).isEmpty, "not due yet")
            let again = try await cancels.claimPendingCancels(now: retryAt, lease: .seconds(60), limit: 10)
            try require(again.map(\.shipmentID) == [id] && again[0].retrying && again[0].attempts == 1, "asked again: \(again)")
            try require(try await cancels.claimPendingCancels(now: retryAt, lease: .seconds(60), limit: 10).isEmpty, "asked once at a time")
            let done = try await cancels.finishCancel(again[0], result: .cancelled, actor: .recovery, now: retryAt, retryAt: retryAt)
            try require(done == .cancelled, "cancelled: \(done)")
            try require(try await store.shipment(id: id)?.state == .cancelled, "cancelled at the carrier")
            try require(try await cancels.claimPendingCancels(now: retryAt + .seconds(3600), lease: .seconds(60), limit: 10).isEmpty, "nothing left")
            let kinds = try await store.events(shipment: id).map(\.kind.name)
            try require(kinds.contains("shipment.cancel-pending") && kinds.contains("shipment.cancelled-at-carrier"), "logged: \(kinds)")
        },
        Check(description: "a refused cancel leaves the shipment booked; a first call that reached nothing keeps no intent; a restart asks again")
        { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let cancels = try role(store, (any CancelLedger).self)
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let ids = try await fixture.booked(store, ["N-1", "N-2"], at: now).map(\.id)
            guard case .callCarrier(let first) = try await cancels.beginCancel(ids[0], actor: .operator(uid: 1000), now: now),
                case .callCarrier(let second) = try await cancels.beginCancel(ids[1], actor: .operator(uid: 1000), now: now)
            else { throw Failure(description: "booked shipments need their carrier") }
            let refused = try await cancels.finishCancel(first, result: .refused("already scanned"), actor: .operator(uid: 1000), now: now, retryAt: now)
            guard case .refused(let reason) = refused, reason.contains("already scanned") else { throw Failure(description: "refused: \(refused)") }
            try require(try await store.shipment(id: ids[0])?.state == .booked, "a refused cancel leaves it booked")
            try require(try await store.events(shipment: ids[0]).contains { $0.kind.name == "shipment.cancel-refused" }, "the refusal is logged")
            let unavailable = try await cancels.finishCancel(
                second, result: .notCancelled("HTTP 503"), actor: .operator(uid: 1000), now: now, retryAt: now)
            guard case .unavailable = unavailable else { throw Failure(description: "not cancelled: \(unavailable)") }
            // No intent kept: the operator may ask again, and this time the process stops mid-call.
            guard case .callCarrier = try await cancels.beginCancel(ids[1], actor: .operator(uid: 1000), now: now) else {
                throw Failure(description: "asked again after nothing was kept")
            }
            try require(try await cancels.recoverInterruptedCancels(now: now) == 1, "one cancel cut short")
            let due = try await cancels.claimPendingCancels(now: now, lease: .seconds(60), limit: 10)
            try require(due.map(\.shipmentID) == [ids[1]] && due[0].retrying, "asked again at start-up: \(due)")
        },
        Check(description: "two nodes asking pending cancels again at once never ask for the same one") { fixture in
            let a = try await fixture.makeStore("node-a", .seconds(60))
            let b = try await fixture.makeStore("node-b", .seconds(60))
            let (cancelsA, cancelsB) = (try role(a, (any CancelLedger).self), try role(b, (any CancelLedger).self))
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let ids = try await fixture.booked(a, (1...6).map { "W-\($0)" }, at: now).map(\.id)
            for id in ids {
                guard case .callCarrier(let job) = try await cancelsA.beginCancel(id, actor: .operator(uid: 1000), now: now) else {
                    throw Failure(description: "\(id) needs its carrier")
                }
                _ = try await cancelsA.finishCancel(job, result: .unknown("timed out"), actor: .operator(uid: 1000), now: now, retryAt: now)
            }
            let later = now + .seconds(1)
            async let fromA = cancelsA.claimPendingCancels(now: later, lease: .seconds(60), limit: 4)
            async let fromB = cancelsB.claimPendingCancels(now: later, lease: .seconds(60), limit: 4)
            let (jobsA, jobsB) = (try await fromA, try await fromB)
            let claimed = jobsA.map(\.shipmentID) + jobsB.map(\.shipmentID)
            try require(Set(claimed).count == claimed.count, "one cancel asked by both nodes: \(jobsA.map(\.shipmentID)) / \(jobsB.map(\.shipmentID))")
            try require(Set(claimed).isSubset(of: Set(ids)) && claimed.count == min(8, ids.count), "claimed \(claimed) of \(ids)")
        },
        Check(description: "a list of manifests shows every line, of a short list as of one longer than a page") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let manifests = try role(store, (any ManifestLedger).self)
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            var expected: [String: Int] = [:]
            // A day of 5 shipments (a short list), then one of 120 (more than a page of 50).
            for (day, count) in [(0, 5), (1, 120)] {
                let claims = try await fixture.booked(store, (1...count).map { "L\(day)-\($0)" }, at: now)
                for group in Dictionary(grouping: claims, by: { "\($0.carrier ?? "")|\($0.site)" }).values {
                    guard let carrier = group[0].carrier else { continue }
                    let date = CivilDate(dayNumber: pickupDate.dayNumber + day)
                    let begun = try await manifests.beginManifest(carrier: carrier, site: group[0].site, pickupDate: date, now: now)
                    _ = try await manifests.finishManifest(begun.id, csvPath: "/m.csv", documentPath: nil, carrierReference: nil, now: now)
                    expected[begun.id] = group.count
                }
                let listed = try await manifests.manifests(pickupDate: nil, limit: 100)
                let lines = Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0.lines.count) })
                try require(lines == expected, "listed \(lines), expected \(expected)")
                let ofTheDay = try await manifests.manifests(pickupDate: CivilDate(dayNumber: pickupDate.dayNumber + day), limit: 100)
                try require(ofTheDay.reduce(0) { $0 + $1.lines.count } == count, "the day's \(count) shipments: \(ofTheDay.map(\.id))")
            }
        },
        Check(description: "a manifest takes a carrier × site's booked shipments once; a close cut short is finished with the same id") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let manifests = try role(store, (any ManifestLedger).self)
            let cancels = try role(store, (any CancelLedger).self)
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let claims = try await fixture.booked(store, ["M-1", "M-2", "M-3"], at: now)
            guard let carrier = claims.first?.carrier else { throw Failure(description: "nothing booked") }
            let site = claims[0].site
            let expected = Set(claims.filter { $0.carrier == carrier && $0.site == site }.map(\.id))
            let groups = try await manifests.unmanifested()
            try require(groups.contains { $0.carrier == carrier && $0.site == site && $0.shipments == expected.count }, "waiting: \(groups)")
            let date = pickupDate
            let begun = try await manifests.beginManifest(carrier: carrier, site: site, pickupDate: date, now: now)
            try require(begun.id == ManifestRecord.id(carrier: carrier, site: site, pickupDate: date) && begun.state == "closing", "begun \(begun)")
            try require(Set(begun.lines.map(\.shipmentID)) == expected, "lines \(begun.lines.map(\.shipmentID)), expected \(expected)")
            try require(begun.lines.allSatisfy { $0.trackingNumber == "TRK-\($0.shipmentID)" && !$0.orderIDs.isEmpty }, "lines \(begun.lines)")
            try require(try await manifests.lastManifestDate(carrier: carrier, site: site) == date, "the date is taken")
            try require(!(try await manifests.unmanifested()).contains { $0.carrier == carrier && $0.site == site }, "nothing waits any more")
            let onIt = try await refusal("a cancel of a shipment on a manifest") {
                _ = try await cancels.beginCancel(begun.lines[0].shipmentID, actor: .operator(uid: 1000), now: now)
            }
            try require(onIt.isRefused, "on a manifest: \(onIt)")
            // Cut short: the next close of the pair finishes this one, the same id and shipments.
            try require(try await manifests.closingManifests().map(\.id) == [begun.id], "closing")
            let resumed = try await manifests.beginManifest(carrier: carrier, site: site, pickupDate: CivilDate(dayNumber: date.dayNumber + 1), now: now)
            try require(resumed.id == begun.id && resumed.lines == begun.lines, "resumed \(resumed.id) with \(resumed.lines.count) lines")
            try require(try await manifests.closingManifests(now: now).map(\.id) == [begun.id], "its process finishes it")
            let closed = try await manifests.finishManifest(begun.id, csvPath: "/m.csv", documentPath: nil, carrierReference: "BRD-1", now: now)
            try require(closed.state == "closed" && closed.carrierReference == "BRD-1" && closed.closedAt == now && closed.lines == begun.lines, "closed \(closed)")
            let twice = try await refusal("a second finish") {
                _ = try await manifests.finishManifest(begun.id, csvPath: "/m.csv", documentPath: nil, carrierReference: nil, now: now)
            }
            try require(twice.isRefused, "finished twice: \(twice)")
            let sameDay = try await refusal("a second manifest for the day") {
                _ = try await manifests.beginManifest(carrier: carrier, site: site, pickupDate: date, now: now)
            }
            try require(sameDay.isRefused, "the day is closed: \(sameDay)")
            try require(try await manifests.closingManifests().isEmpty, "nothing closing")
            try require(try await manifests.manifests(pickupDate: date, limit: 10).map(\.id) == [begun.id], "listed once")
        },
        Check(description: "two nodes closing one carrier × site at once make one manifest, finished once") { fixture in
            let a = try await fixture.makeStore("node-a", .seconds(60))
            let b = try await fixture.makeStore("node-b", .seconds(60))
            let (manifestsA, manifestsB) = (try role(a, (any ManifestLedger).self), try role(b, (any ManifestLedger).self))
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let claims = try await fixture.booked(a, (1...6).map { "D-\($0)" }, at: now)
            guard let carrier = claims.first?.carrier else { throw Failure(description: "nothing booked") }
            let site = claims[0].site
            let expected = Set(claims.filter { $0.carrier == carrier && $0.site == site }.map(\.id))
            let begin: @Sendable (any ManifestLedger) async throws -> ManifestRecord? = { ledger in
                do {
                    return try await ledger.beginManifest(carrier: carrier, site: site, pickupDate: pickupDate, now: now)
                } catch let error as StoreError where error.isRefused {
                    return nil
                }
            }
            async let byA = begin(manifestsA)
            async let byB = begin(manifestsB)
            let begun = [try await byA, try await byB].compactMap { $0 }
            try require(!begun.isEmpty && Set(begun.map(\.id)).count == 1, "begun \(begun.map(\.id))")
            try require(begun.allSatisfy { Set($0.lines.map(\.shipmentID)) == expected }, "lines \(begun.map { $0.lines.count })")
            try require(try await manifestsB.manifests(pickupDate: pickupDate, limit: 10).count == 1, "one manifest")
            let id = begun[0].id
            let finish: @Sendable (any ManifestLedger) async throws -> Bool = { ledger in
                do {
                    _ = try await ledger.finishManifest(id, csvPath: "/m.csv", documentPath: nil, carrierReference: nil, now: now)
                    return true
                } catch let error as StoreError where error.isRefused {
                    return false
                }
            }
            async let finishedA = finish(manifestsA)
            async let finishedB = finish(manifestsB)
            let finished = [try await finishedA, try await finishedB].filter { $0 }
            try require(finished.count == 1, "finished \(finished.count) times")
        },
        Check(description: "a return of a shipped order is an R- shipment booking reads as a return; the same parcels never come back twice")
        { fixture in
            let a = try await fixture.makeStore("node-a", .seconds(60))
            let b = try await fixture.makeStore("node-b", .seconds(60))
            let (deskA, deskB) = (try role(a, (any ReturnDesk).self), try role(b, (any ReturnDesk).self))
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let orders = (1...4).map { "T-\($0)" }
            _ = try await fixture.booked(a, orders, at: now)
            let unshipped = "T-9"
            _ = try await fixture.queued(a, [unshipped])
            guard let body = try await deskA.recordedOrder(id: orders[0]) else { throw Failure(description: "order \(orders[0]) not recorded") }
            func request(_ id: String, order: String) -> NewReturn {
                NewReturn(id: id, orderID: order, reason: "too small", site: "lille-store", parcels: 1, weightKg: 1, body: body)
            }
            // Two nodes at once: ids never shared.
            let (returnA, returnB) = (request("RET-A", order: orders[0]), request("RET-B", order: orders[1]))
            let (decision, policy, now0) = (decisionOverOrigins, anyPolicy, fixture.now)
            async let fromA = deskA.createReturn(returnA, decision: decision, policy: policy, actor: .operator(uid: 1000), now: now0)
            async let fromB = deskB.createReturn(returnB, decision: decision, policy: policy, actor: .operator(uid: 1000), now: now0)
            let ids = [try await fromA, try await fromB]
            try require(ids.allSatisfy { $0.hasPrefix("R-") } && Set(ids).count == 2, "return ids \(ids)")
            let shipment = try await a.shipment(id: ids[0])
            try require(shipment?.state == .queued && shipment?.site == "lille-store", "the return is queued: \(String(describing: shipment))")
            // The shop is told which return and which order: in the shipment and its events.
            let back = try await b.shipments(state: .queued, carrier: nil, limit: 100).first { $0.id == ids[1] }
            try require(
                shipment?.returnOf == ReturnOf(id: "RET-A", orderID: orders[0], reason: "too small") && shipment?.orderIDs == [orders[0]]
                    && back?.returnOf?.id == "RET-B" && back?.orderIDs == [orders[1]],
                "a return names its request: \(String(describing: shipment?.returnOf)), \(String(describing: back?.returnOf))")
            try require(try await a.decision(shipment: ids[0])?.chosen?.key.description == "dpd/PREDICT", "its decision is recorded")

            let used = try await refusal("a return id used before") {
                _ = try await deskB.createReturn(request("RET-A", order: orders[2]), decision: decision, policy: policy, actor: .operator(uid: 1000), now: now0)
            }
            try require(used.description.contains("exists already"), "refusal: \(used)")
            let again = try await refusal("the same parcels back twice") {
                _ = try await deskB.createReturn(request("RET-C", order: orders[0]), decision: decision, policy: policy, actor: .operator(uid: 1000), now: now0)
            }
            try require(again.isRefused && again.description.contains("already coming back"), "refusal: \(again)")
            let never = try await refusal("a return of an order never shipped") {
                _ = try await deskA.createReturn(request("RET-D", order: unshipped), decision: decision, policy: policy, actor: .operator(uid: 1000), now: now0)
            }
            try require(never.isRefused && never.description.contains("never shipped"), "refusal: \(never)")
            let unknown = try await refusal("a return of an unknown order") {
                _ = try await deskA.createReturn(request("RET-E", order: "T-404"), decision: decision, policy: policy, actor: .operator(uid: 1000), now: now0)
            }
            try require(unknown.isNotFound, "unknown order: \(unknown)")

            let claimed = try await a.claim(limits: [:], othersLimit: 10, now: now + .seconds(1))
            let jobs = try await a.bookingJobs(for: claimed.filter { ids.contains($0.id) })
            try require(jobs.count == 2 && jobs.allSatisfy { $0.direction == .return && $0.orderBodies == [body] }, "booking reads returns: \(jobs.map(\.direction))")
        },
    ]
}
