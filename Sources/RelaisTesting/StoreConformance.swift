import RelaisCore
import RelaisStore

/// The behaviour every store engine must show, written against the store's roles only: the
/// SQLite store runs it today (RelaisRecordsTests), a second engine runs the very same
/// checks. Each check is a promise a user relies on: idempotent intake, ids never reused,
/// a shipment claimed once, recovery per node, the lifecycle's refusals, outcomes recorded.
public struct StoreConformance: Sendable {
    /// A store on the test's database, claiming as `node` with this lease. Every call for
    /// one fixture opens the same database, as several nodes would.
    public var makeStore: @Sendable (_ node: String, _ lease: Duration) async throws -> any DaemonStore
    /// Valid orders with these ids, for one site and recipient each.
    public var makeOrders: @Sendable (_ ids: [String]) -> [IncomingOrder]
    /// Decides every pending order into shipments (the aggregation stage over `store`);
    /// returns the ids created.
    public var decide: @Sendable (_ store: any DaemonStore, _ now: Int64) async throws -> [String]
    /// A time after the orders are ready, milliseconds.
    public var now: Int64

    public init(
        makeStore: @escaping @Sendable (String, Duration) async throws -> any DaemonStore,
        makeOrders: @escaping @Sendable ([String]) -> [IncomingOrder],
        decide: @escaping @Sendable (any DaemonStore, Int64) async throws -> [String], now: Int64
    ) {
        self.makeStore = makeStore
        self.makeOrders = makeOrders
        self.decide = decide
        self.now = now
    }

    /// One promise, runnable against any fixture.
    public struct Check: Sendable, CustomStringConvertible {
        public var description: String
        public var run: @Sendable (StoreConformance) async throws -> Void
    }

    /// A check that did not hold, with what was expected.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(description: message()) }
    }

    /// Queued shipments with these order ids, through intake and aggregation.
    func queued(_ store: any DaemonStore, _ ids: [String]) async throws -> [String] {
        _ = try await store.accept(makeOrders(ids), source: "conformance", actor: .intake, now: now)
        return try await decide(store, now)
    }

    /// A decision over several origins (SPEC §15): dpd/PREDICT from both sites, the store's
    /// chosen; colissimo/DOM from the warehouse only; the customer asked for chronopost/13,
    /// which misses its promise.
    static var decisionOverOrigins: Decision {
        func candidate(_ key: String, origin: String, rank: Int?, reasons: ReasonSet = [], cents: Int64) -> CandidateEvaluation {
            CandidateEvaluation(
                key: ServiceKey(parsing: key) ?? ServiceKey(carrier: key, service: ""), origin: origin, serviceName: key,
                reasons: reasons, rank: rank, price: Money(minorUnits: cents), leadDays: 1, eta: nil, co2eGrams: 100, dataQuality: 2,
                cost: Cost(units: cents * 100))
        }
        return Decision(
            shipmentID: "", policyName: "default", policySHA256: "abc", currency: "EUR", rulesApplied: ["r"],
            candidates: [
                candidate("dpd/PREDICT", origin: "lille-store", rank: 1, cents: 700),
                candidate("dpd/PREDICT", origin: "lyon-dc", rank: 2, cents: 700),
                candidate("colissimo/DOM", origin: "lyon-dc", rank: 3, cents: 800),
                candidate("chronopost/13", origin: "lille-store", rank: nil, reasons: .promise, cents: 900),
            ],
            chosenIndex: 0, late: false, held: false, distanceBasis: .greatCircle,
            requested: RequestedServiceOutcome(
                key: ServiceKey(carrier: "chronopost", service: "13"), honoured: false, reasons: .promise, origin: "lille-store"))
    }

    static let anyPolicy = Policy(
        name: "default", currency: "EUR", sha256: "abc", prices: PolicyPrices(perDay: PriceRate(0.6), perKgCO2e: PriceRate(0.1)),
        promise: PromisePolicy(), constraints: PolicyConstraints())

    /// Every check: these, then cancels, manifests and returns (`StoreConformance+Ledgers.swift`).
    public static var checks: [Check] { storeChecks + ledgerChecks }

    static let storeChecks: [Check] = [
        Check(description: "a decision over several origins reads back whole; failover stays at the chosen origin") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            _ = try await store.accept(fixture.makeOrders(["G-1", "G-2", "G-3"]), source: "conformance", actor: .intake, now: fixture.now)
            var notInPanel = decisionOverOrigins
            notInPanel.requested = RequestedServiceOutcome(
                key: ServiceKey(carrier: "ups", service: "express"), honoured: false, inPanel: false)
            var beforeOrigins = decisionOverOrigins
            beforeOrigins.requested = nil
            beforeOrigins.candidates.remove(at: 1)
            for index in beforeOrigins.candidates.indices { beforeOrigins.candidates[index].origin = nil }
            let decisions = [decisionOverOrigins, notInPanel, beforeOrigins]
            let ids = try await store.createShipments(
                zip(["G-1", "G-2", "G-3"], decisions).map { order, decision in
                    NewShipment(orderIDs: [order], site: "lille-store", consolidationKey: order, decision: decision, parcels: 1, weightKg: 1)
                }, policy: anyPolicy, actor: .intake, now: fixture.now)
            for (id, decision) in zip(ids, decisions) {
                var expected = decision
                expected.shipmentID = id
                let read = try await store.decision(shipment: id)
                try require(read == expected, "decision of \(id): \(String(describing: read))\nexpected \(expected)")
            }
            // One row per shipment, whatever the origins its decision weighed.
            let listed = try await store.shipments(state: nil, carrier: nil, limit: 100).map(\.id).filter(ids.contains)
            try require(listed.sorted() == ids.sorted(), "each shipment listed once: \(listed)")
            let emissions = try await store.shipment(id: ids[0])?.emissions
            try require(emissions?.dataQuality == 2, "the chosen candidate's emissions: \(String(describing: emissions))")
            let claimed = try await store.claim(limits: [:], othersLimit: 10, now: Instant(millisecondsSinceEpoch: fixture.now + 1))
            let jobs = Dictionary(uniqueKeysWithValues: try await store.bookingJobs(for: claimed).map { ($0.id, $0) })
            let atOrigin = jobs[ids[0]]?.candidates.map(\.key.description)
            try require(atOrigin == ["dpd/PREDICT", "chronopost/13"], "failover from lille-store: \(String(describing: atOrigin))")
            let unknownOrigins = jobs[ids[2]]?.candidates.count
            try require(unknownOrigins == 3, "a decision from before origins fails over to all \(String(describing: unknownOrigins))")
        },
        Check(description: "an order accepted twice is a duplicate; other content is a conflict and the first stays") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let order = fixture.makeOrders(["C-1"])
            let first = try await store.accept(order, source: "a", actor: .intake, now: fixture.now)
            let again = try await store.accept(order, source: "b", actor: .intake, now: fixture.now)
            try require(first == [.accepted] && again == [.duplicate], "accept: \(first), again: \(again)")
            var changed = order[0]
            changed.canonicalJSON += " "
            let conflict = try await store.accept([changed], source: "c", actor: .intake, now: fixture.now)
            try require(conflict == [.conflict], "different content: \(conflict)")
            let recorded = try await store.order(id: "C-1")
            try require(recorded?.canonicalJSON == order[0].canonicalJSON, "the first version must stay")
            try require(try await store.events(order: "C-1").contains { $0.kind.name == "order.conflict" }, "the conflict is logged")
        },
        Check(description: "shipment ids are never reused, batch after batch") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let first = try await fixture.queued(store, ["I-1", "I-2"])
            let second = try await fixture.queued(store, ["I-3"])
            try require(first.count == 2 && second.count == 1, "created \(first) then \(second)")
            try require(Set(first + second).count == 3, "ids repeat: \(first + second)")
            let counts = try await store.queueCounts()
            try require(counts[.queued] == 3, "queue counts \(counts)")
        },
        Check(description: "a due shipment is claimed once, stamped booking, per carrier and for carriers outside the panel") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let ids = try await fixture.queued(store, ["Q-1", "Q-2", "Q-3"])
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let all = try await store.claim(limits: [:], othersLimit: 2, now: now)
            try require(all.count == 2 && Set(all.map(\.id)).isSubset(of: Set(ids)), "others claimed \(all.map(\.id))")
            try require(all.allSatisfy { $0.attempts == 1 }, "attempts \(all.map(\.attempts))")
            let rest = try await store.claim(limits: [:], othersLimit: 10, now: now)
            try require(rest.count == 1 && !all.map(\.id).contains(rest[0].id), "second claim \(rest.map(\.id))")
            try require(try await store.claim(limits: [:], othersLimit: 10, now: now).isEmpty, "claimed twice")
            try require(try await store.queueCounts()[.booking] == 3, "three in booking")
        },
        Check(description: "a booked outcome records its tracking number, its attempt and its event") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let id = try await fixture.queued(store, ["B-1"])[0]
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let claimed = try await store.claim(limits: [:], othersLimit: 1, now: now)
            let jobs = try await store.bookingJobs(for: claimed)
            try require(jobs.map(\.id) == [id] && !jobs[0].orderBodies.isEmpty && !jobs[0].candidates.isEmpty, "job \(jobs)")
            let job = jobs[0]
            try await store.commit(
                [BookingOutcome(
                    shipment: id, carrier: job.carrier, service: job.service,
                    result: .booked(trackingNumber: "TRK-1", carrierPrice: nil, labelPath: nil), startedAt: now, finishedAt: now)],
                breakerOpenings: [], now: now)
            let shipment = try await store.shipment(id: id)
            try require(shipment?.state == .booked && shipment?.trackingNumber == "TRK-1", "shipment \(String(describing: shipment))")
            try require(try await store.attempts(shipment: id).map(\.outcome) == ["booked"], "one booked attempt")
            try require(try await store.events(shipment: id).contains { $0.kind.name == "shipment.booked" }, "the event is logged")
        },
        Check(description: "recovery makes this node's booking rows uncertain and leaves a live node's claims alone") { fixture in
            let a = try await fixture.makeStore("node-a", .seconds(60))
            let b = try await fixture.makeStore("node-b", .seconds(60))
            _ = try await fixture.queued(a, ["R-1", "R-2"])
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let mine = try await a.claim(limits: [:], othersLimit: 1, now: now)
            let theirs = try await b.claim(limits: [:], othersLimit: 1, now: now)
            let recovered = try await a.recoverInterruptedBookings(now: now + .seconds(1))
            try require(recovered == mine.map(\.id), "node-a recovered \(recovered), claimed \(mine.map(\.id))")
            try require(try await a.shipment(id: theirs[0].id)?.state == .booking, "node-b's live claim must stay booking")
            try require(try await a.shipment(id: mine[0].id)?.state == .uncertain, "node-a's own claim is uncertain")
            try require(
                try await a.shipment(id: mine[0].id)?.reason == ShipmentTransition.recoveredReason,
                "the recovered shipment says why it is in doubt")
        },
        Check(description: "a claim whose lease expired is recovered by another node; a renewed one is not") { fixture in
            let a = try await fixture.makeStore("node-a", .seconds(10))
            let b = try await fixture.makeStore("node-b", .seconds(10))
            _ = try await fixture.queued(a, ["L-1", "L-2"])
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let claimed = try await a.claim(limits: [:], othersLimit: 2, now: now)
            try require(claimed.count == 2, "claimed \(claimed.map(\.id))")
            // Renewed at +8 s: alive at +15 s.
            try await a.renewClaims(now: now + .seconds(8))
            try require(try await b.recoverInterruptedBookings(now: now + .seconds(15)).isEmpty, "a renewed lease was taken")
            // Not renewed since: expired at +18 s.
            let taken = try await b.recoverInterruptedBookings(now: now + .seconds(19))
            try require(Set(taken) == Set(claimed.map(\.id)), "expired claims recovered: \(taken)")
            try require(try await b.queueCounts()[.uncertain] == 2, "both uncertain")
        },
        Check(description: "operator actions follow the lifecycle and a refusal says why") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let id = try await fixture.queued(store, ["H-1"])[0]
            let held = try await store.apply(.hold, to: id, actor: .operator(uid: 1000), now: fixture.now, detail: "")
            try require(held == .held, "hold gave \(held)")
            let released = try await store.apply(.release, to: id, actor: .operator(uid: 1000), now: fixture.now, detail: "")
            try require(released == .queued, "release gave \(released)")
            do {
                try await store.apply(.retry, to: id, actor: .operator(uid: 1000), now: fixture.now, detail: "")
                try require(false, "retry of a queued shipment must be refused")
            } catch let error as StoreError {
                try require(error.isRefused && error.description.contains("queued"), "refusal: \(error)")
            }
            do {
                try await store.apply(.hold, to: "S-none", actor: .operator(uid: 1000), now: fixture.now, detail: "")
                try require(false, "an unknown shipment must be not found")
            } catch let error as StoreError {
                try require(error.isNotFound, "not found: \(error)")
            }
            let events = try await store.events(shipment: id)
            try require(events.contains { $0.kind.name == "shipment.hold" } && events.contains { $0.kind.name == "shipment.release" }, "logged")
        },
        Check(description: "a lookup's answer reconciles an uncertain shipment: booked, not booked, or asked again") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            _ = try await fixture.queued(store, ["U-1", "U-2", "U-3"])
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let claimed = try await store.claim(limits: [:], othersLimit: 3, now: now)
            let outcomes = claimed.map {
                BookingOutcome(shipment: $0.id, carrier: $0.carrier!, service: $0.service!, result: .uncertain, startedAt: now, finishedAt: now)
            }
            try await store.commit(outcomes, breakerOpenings: [], now: now)
            let carriers = Set(claimed.compactMap(\.carrier))
            let due = try await store.uncertainDue(carriers: carriers, now: now + .seconds(1), limit: 10)
            try require(due.count == 3, "due \(due)")
            try await store.reconcile(due[0], result: .booked(trackingNumber: "TRK-9"), now: now, retryAt: now)
            try await store.reconcile(due[1], result: .notBooked, now: now, retryAt: now)
            try await store.reconcile(due[2], result: .inconclusive("HTTP 500"), now: now, retryAt: now + .seconds(60))
            let first = try await store.shipment(id: due[0].id)
            try require(first?.state == .booked && first?.trackingNumber == "TRK-9", "booked by lookup: \(String(describing: first))")
            try require(try await store.shipment(id: due[1].id)?.state == .queued, "not booked: back to the queue")
            try require(try await store.shipment(id: due[2].id)?.state == .uncertain, "inconclusive: still uncertain")
            let again = try await store.uncertainDue(carriers: carriers, now: now + .seconds(30), limit: 10)
            try require(again.isEmpty, "asked again before retryAt: \(again)")
        },
    ]
}
