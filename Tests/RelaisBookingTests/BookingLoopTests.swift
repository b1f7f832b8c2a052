import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisRecords
import RelaisStore
import RelaisTesting
import Testing

@testable import RelaisBooking

/// The booking loop as a value, driven with scripted times and carrier results: no sockets,
/// no sleeps. Each test checks what an operator would see in the records: which outcome is
/// committed, when a call is made, when nothing is.
@Suite struct BookingLoopTests {
    static let t0: Instant = 1_790_000_000_000

    static func settings() -> DaemonConfig.Booking {
        var settings = DaemonConfig.Booking()
        settings.minimumBackoffSeconds = 10
        settings.maximumBackoffSeconds = 600
        settings.failoverAfter = 2
        settings.breakerThreshold = 2
        settings.breakerOpenSeconds = 30
        settings.reconcileIntervalSeconds = 60
        return settings
    }

    /// A loop over carriers `a` and `b`, each with `maxInFlight` slots, and its gates.
    static func loop(maxInFlight: Int = 2, lookups: Bool = false, settings: DaemonConfig.Booking = settings())
        -> (BookingLoop, CarrierGates)
    {
        let limits = CarrierGate.Limits(maxInFlight: maxInFlight, breakerThreshold: settings.breakerThreshold, breakerOpen: .seconds(30))
        let gates = CarrierGates(["a": limits, "b": limits])
        let carriers = ["a": BookingLoop.Carrier(maxInFlight: maxInFlight, canLookUp: lookups),
                        "b": BookingLoop.Carrier(maxInFlight: maxInFlight, canLookUp: lookups)]
        return (BookingLoop(settings: settings, carriers: carriers, gates: gates, jitter: { 0 }), gates)
    }

    static func job(_ id: String, on carrier: String = "a", candidates: [String] = ["a", "b"], transientHere: Int = 0, attempts: Int = 1)
        -> BookingJob
    {
        BookingJob(
            id: id, site: "lyon-dc", carrier: carrier, service: "1", attempts: attempts, createdAt: t0, orderBodies: [],
            candidates: candidates.map { BookingCandidate(key: ServiceKey(carrier: $0, service: "1")) },
            transientFailuresHere: transientHere)
    }

    static func claimed(_ jobs: [BookingJob], at: Instant = t0) -> BookingLoop.Event {
        var found: [String: Int] = [:]
        for job in jobs { found[job.carrier, default: 0] += 1 }
        return .claimed(jobs, BookingLoop.Claim(at: at, asked: ["a": 4, "b": 4], others: 16, found: found))
    }

    static func result(
        _ job: BookingJob, _ pass: CarrierGate.Pass, at: Instant, _ result: Result<BookingConfirmation, CarrierFailure>
    ) -> BookingLoop.Event {
        .called(
            BookingLoop.CallResult(
                job: job, pass: pass, claimedAt: t0, startedAt: t0, finishedAt: at, result: result, label: nil,
                labelProblem: nil))
    }

    static let booked: Result<BookingConfirmation, CarrierFailure> = .success(
        BookingConfirmation(trackingNumber: "T-1", label: nil, labelFormat: "pdf", labelProblem: nil, price: nil))

    /// The calls among `actions`, by shipment id.
    static func calls(_ actions: [BookingLoop.Action]) -> [String: CarrierGate.Pass] {
        var calls: [String: CarrierGate.Pass] = [:]
        for case .call(let job, let pass, _) in actions { calls[job.id] = pass }
        return calls
    }

    static func commits(_ actions: [BookingLoop.Action]) -> [[BookingOutcome]] {
        actions.compactMap { if case .commit(let batch, _, _, _) = $0 { batch } else { nil } }
    }

    @Test func aTickClaimsUpToTwiceEachCarriersSlotsAndCallsOnlyAsManyAsItHas() {
        var (loop, gates) = Self.loop(maxInFlight: 2)
        let first = loop.handle(.tick, now: Self.t0)
        guard case .claim(let limits, let others)? = first.first else {
            Issue.record("no claim: \(first)")
            return
        }
        #expect(limits == ["a": 4, "b": 4])
        #expect(others == BookingLoop.othersLimit)
        // A second tick while the claim is under way claims nothing more.
        #expect(loop.handle(.tick, now: Self.t0).isEmpty)

        let actions = loop.handle(Self.claimed([Self.job("S-1"), Self.job("S-2"), Self.job("S-3")]), now: Self.t0)
        #expect(Set(Self.calls(actions).keys) == ["S-1", "S-2"])
        #expect(gates.snapshot["a"]?.callsInFlight == 2)
        #expect(gates.snapshot["a"]?.bookingWaiting == 1)
        #expect(loop.waiting["a"]?.map(\.job.id) == ["S-3"])
    }

    @Test func aBookedCallFreesItsSlotAndIsCommittedOnceNoCallIsLeft() throws {
        var (loop, gates) = Self.loop(maxInFlight: 1)
        _ = loop.handle(.tick, now: Self.t0)
        let s1 = Self.job("S-1")
        let s2 = Self.job("S-2")
        let started = Self.calls(loop.handle(Self.claimed([s1, s2]), now: Self.t0))
        let pass = try #require(started["S-1"])
        // S-1 answers: S-2 takes its slot; S-1's outcome waits for the group (a call is under way).
        var actions = loop.handle(Self.result(s1, pass, at: Self.t0 + .milliseconds(5), Self.booked), now: Self.t0 + .milliseconds(5))
        #expect(Self.calls(actions).keys.sorted() == ["S-2"])
        let s2Pass = try #require(Self.calls(actions)["S-2"])
        #expect(Self.commits(actions).isEmpty)
        // Ten milliseconds later the group is committed even though S-2 is still under way.
        actions = loop.handle(.tick, now: Self.t0 + .milliseconds(15))
        let batch = try #require(Self.commits(actions).first)
        #expect(batch.map(\.shipment) == ["S-1"])
        guard case .booked(let tracking, _, _) = batch[0].result else {
            Issue.record("not booked: \(batch[0].result)")
            return
        }
        #expect(tracking == "T-1")
        #expect(gates.snapshot["a"]?.callsInFlight == 1)
        // One commit at a time: the next outcome waits for this one to be on disk.
        actions = loop.handle(Self.result(s2, s2Pass, at: Self.t0 + .milliseconds(20), Self.booked), now: Self.t0 + .milliseconds(20))
        #expect(Self.commits(actions).isEmpty)
        actions = loop.handle(.committed(batch, latency: .milliseconds(15)), now: Self.t0 + .milliseconds(21))
        #expect(Self.commits(actions).first?.map(\.shipment) == ["S-2"])
        #expect(loop.statistics.booked == 1)
    }

    /// Labels wait in memory for their group's commit: a group holding 8 MiB of them is
    /// committed at once, before its delay or its size would say so.
    @Test func aGroupHeavyWithLabelsIsCommittedAtOnce() throws {
        var (loop, _) = Self.loop(maxInFlight: 4)
        _ = loop.handle(.tick, now: Self.t0)
        let jobs = (1...3).map { Self.job("S-\($0)") }
        let passes = Self.calls(loop.handle(Self.claimed(jobs), now: Self.t0))
        func answered(_ job: BookingJob, labelBytes: Int) throws -> BookingLoop.Event {
            .called(
                BookingLoop.CallResult(
                    job: job, pass: try #require(passes[job.id]), claimedAt: Self.t0, startedAt: Self.t0, finishedAt: Self.t0,
                    result: Self.booked, label: .init(shipment: job.id, format: "pdf", bytes: Array(repeating: 0x25, count: labelBytes)),
                    labelProblem: nil))
        }
        // Two calls still under way, one millisecond in: a small label waits for the group.
        var actions = loop.handle(try answered(jobs[0], labelBytes: 1 << 20), now: Self.t0 + .milliseconds(1))
        #expect(Self.commits(actions).isEmpty)
        // The next one brings the group to 8 MiB: committed now, with both labels.
        actions = loop.handle(try answered(jobs[1], labelBytes: 7 << 20), now: Self.t0 + .milliseconds(1))
        var labels: [String] = []
        for case .commit(let batch, _, let written, _) in actions {
            #expect(batch.map(\.shipment) == ["S-1", "S-2"])
            labels = written.map(\.shipment)
        }
        #expect(labels == ["S-1", "S-2"])
    }

    @Test func aPermanentRefusalFailsOverToTheNextCandidate() throws {
        var (loop, _) = Self.loop()
        _ = loop.handle(.tick, now: Self.t0)
        let job = Self.job("S-1")
        let pass = try #require(Self.calls(loop.handle(Self.claimed([job]), now: Self.t0))["S-1"])
        let actions = loop.handle(
            Self.result(job, pass, at: Self.t0, .failure(CarrierFailure(.permanent, "postcode refused", httpStatus: 400))), now: Self.t0)
        let outcome = try #require(Self.commits(actions).first?.first)
        guard case .failover(let next) = outcome.result else {
            Issue.record("expected a failover, got \(outcome.result)")
            return
        }
        #expect(next.key == ServiceKey(carrier: "b", service: "1"))
        #expect(outcome.failureClass == .permanent)
        #expect(outcome.httpStatus == 400)
    }

    @Test func aTransientFailureIsDeferredWithBackoffThenFailsOverAfterFailoverAfter() throws {
        var (loop, _) = Self.loop()
        _ = loop.handle(.tick, now: Self.t0)
        let first = Self.job("S-1", attempts: 1)
        let second = Self.job("S-2", transientHere: 1, attempts: 2)
        let passes = Self.calls(loop.handle(Self.claimed([first, second]), now: Self.t0))
        let timeout = CarrierFailure(.transient, "HTTP 503", httpStatus: 503)
        var actions = loop.handle(Self.result(first, try #require(passes["S-1"]), at: Self.t0, .failure(timeout)), now: Self.t0)
        actions += loop.handle(Self.result(second, try #require(passes["S-2"]), at: Self.t0, .failure(timeout)), now: Self.t0)
        let outcomes = Self.commits(actions).flatMap { $0 }
        // First failure here: deferred; with jitter 0 the delay is half of the 10 s minimum.
        guard case .deferred(let until) = outcomes.first(where: { $0.shipment == "S-1" })?.result else {
            Issue.record("S-1 not deferred: \(outcomes)")
            return
        }
        #expect(until == Self.t0 + .seconds(5))
        // Second failure on the same service (failover_after = 2): the next candidate.
        guard case .failover(let next) = outcomes.first(where: { $0.shipment == "S-2" })?.result
                ?? loop.outcomes.first(where: { $0.shipment == "S-2" })?.result
        else {
            Issue.record("S-2 not failed over: \(outcomes) \(loop.outcomes)")
            return
        }
        #expect(next.key.carrier == "b")
    }

    @Test func theBreakerOpensIsCommittedAndSendsTheNextShipmentElsewhereWithoutACall() throws {
        var (loop, gates) = Self.loop()
        _ = loop.handle(.tick, now: Self.t0)
        let jobs = [Self.job("S-1", candidates: ["a"]), Self.job("S-2", candidates: ["a"])]
        let passes = Self.calls(loop.handle(Self.claimed(jobs), now: Self.t0))
        let failure = CarrierFailure(.transient, "connection refused")
        var actions = loop.handle(Self.result(jobs[0], try #require(passes["S-1"]), at: Self.t0, .failure(failure)), now: Self.t0)
        actions += loop.handle(Self.result(jobs[1], try #require(passes["S-2"]), at: Self.t0, .failure(failure)), now: Self.t0)
        #expect(gates.breakerStates()["a"] == .open(until: Self.t0 + .seconds(30)))
        let openings = actions.flatMap { action -> [BreakerOpening] in
            if case .commit(_, let openings, _, _) = action { openings } else { [] }
        }
        #expect(openings.map(\.carrier) == ["a"])

        // A shipment claimed for `a` now goes to `b` without a call at `a`.
        let elsewhere = Self.job("S-3")
        let committedFirst = Self.commits(actions).first ?? []
        _ = loop.handle(.committed(committedFirst, latency: .zero), now: Self.t0 + .seconds(1))
        actions = loop.handle(Self.claimed([elsewhere], at: Self.t0 + .seconds(1)), now: Self.t0 + .seconds(1))
        #expect(Self.calls(actions).isEmpty)
        let moved = (Self.commits(actions).flatMap { $0 } + loop.outcomes).first { $0.shipment == "S-3" }
        guard case .failover(let next)? = moved?.result else {
            Issue.record("S-3 not moved: \(String(describing: moved))")
            return
        }
        #expect(next.key.carrier == "b")

        // With no other candidate, it is postponed until the breaker half-opens.
        let stuck = Self.job("S-4", candidates: ["a"])
        _ = loop.handle(Self.claimed([stuck], at: Self.t0 + .seconds(2)), now: Self.t0 + .seconds(2))
        let postponed = loop.outcomes.first { $0.shipment == "S-4" }
        guard case .postponed(let until)? = postponed?.result else {
            Issue.record("S-4 not postponed: \(String(describing: postponed))")
            return
        }
        #expect(until == Self.t0 + .seconds(30))
    }

    @Test func aTimeoutAfterSendingIsUncertainAndNeverFailsOver() throws {
        var (loop, _) = Self.loop()
        _ = loop.handle(.tick, now: Self.t0)
        let job = Self.job("S-1")
        let pass = try #require(Self.calls(loop.handle(Self.claimed([job]), now: Self.t0))["S-1"])
        let actions = loop.handle(
            Self.result(job, pass, at: Self.t0 + .seconds(15), .failure(CarrierFailure(.unknownOutcome, "read timeout after sending"))),
            now: Self.t0 + .seconds(15))
        let outcome = try #require(Self.commits(actions).first?.first)
        guard case .uncertain = outcome.result else {
            Issue.record("expected uncertain, got \(outcome.result)")
            return
        }
    }

    @Test func uncertainShipmentsAreLookedUpThroughTheGateAndReconciled() throws {
        var (loop, gates) = Self.loop(lookups: true)
        let actions = loop.handle(.tick, now: Self.t0)
        #expect(actions.contains { if case .findUncertain(let carriers, _) = $0 { carriers == ["a", "b"] } else { false } })
        let shipment = UncertainShipment(id: "S-9", carrier: "a", service: "1")
        let lookups = loop.handle(.uncertainFound([shipment]), now: Self.t0)
        let pass = try #require(lookups.compactMap { if case .lookup(_, let pass) = $0 { pass } else { nil } }.first)
        #expect(gates.snapshot["a"]?.callsInFlight == 1)
        let answer = loop.handle(.lookedUp(shipment, .booked(trackingNumber: "T-9"), pass: pass), now: Self.t0 + .seconds(1))
        #expect(gates.snapshot["a"]?.callsInFlight == 0)
        guard case .reconcile(let which, .booked(let tracking), let retryAt)? = answer.first else {
            Issue.record("no reconcile: \(answer)")
            return
        }
        #expect(which == shipment && tracking == "T-9" && retryAt == Self.t0 + .seconds(61))
        _ = loop.handle(.reconcileRecorded(shipment, .booked(trackingNumber: "T-9")), now: Self.t0 + .seconds(1))
        #expect(loop.statistics.reconciled == 1)
        // Not asked again before the interval.
        #expect(!loop.handle(.tick, now: Self.t0 + .seconds(59)).contains { if case .findUncertain = $0 { true } else { false } })
        #expect(loop.handle(.tick, now: Self.t0 + .seconds(60)).contains { if case .findUncertain = $0 { true } else { false } })
    }

    @Test func aReloadThatRemovesACarrierMovesItsWaitingShipmentsOn() {
        var (loop, gates) = Self.loop(maxInFlight: 1)
        _ = loop.handle(.tick, now: Self.t0)
        _ = loop.handle(Self.claimed([Self.job("S-1"), Self.job("S-2")]), now: Self.t0)
        #expect(loop.waiting["a"]?.count == 1)
        gates.configure(["b": CarrierGate.Limits(maxInFlight: 1)])
        _ = loop.handle(.panelReplaced(["b": BookingLoop.Carrier(maxInFlight: 1, canLookUp: false)]), now: Self.t0)
        let moved = loop.outcomes.first { $0.shipment == "S-2" }
        guard case .failover(let next)? = moved?.result else {
            Issue.record("S-2 not moved on: \(loop.outcomes)")
            return
        }
        #expect(next.key.carrier == "b")
    }

    @Test func aGracefulStopReturnsWaitingShipmentsDrainsCallsCommitsThenFinishes() throws {
        var (loop, _) = Self.loop(maxInFlight: 1)
        _ = loop.handle(.tick, now: Self.t0)
        let s1 = Self.job("S-1")
        let pass = try #require(Self.calls(loop.handle(Self.claimed([s1, Self.job("S-2")]), now: Self.t0))["S-1"])
        var actions = loop.handle(.stop, now: Self.t0 + .milliseconds(1))
        // S-2 was never called: back to the queue now; S-1's call is still under way.
        let returned = try #require(Self.commits(actions).first)
        guard case .postponed(let until) = returned.first?.result, returned.first?.shipment == "S-2" else {
            Issue.record("S-2 not returned: \(returned)")
            return
        }
        #expect(until == Self.t0 + .milliseconds(1))
        #expect(!actions.contains { if case .finish = $0 { true } else { false } })
        // Stopping claims nothing more.
        #expect(!loop.handle(.tick, now: Self.t0 + .seconds(1)).contains { if case .claim = $0 { true } else { false } })
        _ = loop.handle(.committed(returned, latency: .zero), now: Self.t0 + .milliseconds(2))
        actions = loop.handle(Self.result(s1, pass, at: Self.t0 + .milliseconds(3), Self.booked), now: Self.t0 + .milliseconds(3))
        let last = try #require(Self.commits(actions).first)
        #expect(last.map(\.shipment) == ["S-1"])
        #expect(!actions.contains { if case .finish = $0 { true } else { false } })
        actions = loop.handle(.committed(last, latency: .milliseconds(3)), now: Self.t0 + .milliseconds(4))
        #expect(actions.contains { if case .finish = $0 { true } else { false } })
    }

    @Test func aShipmentPastItsLifetimeFailsWithoutACall() {
        var (loop, _) = Self.loop()
        _ = loop.handle(.tick, now: Self.t0)
        let late = Self.t0 + .seconds(3 * 86_400 + 1)
        let actions = loop.handle(Self.claimed([Self.job("S-1")], at: late), now: late)
        #expect(Self.calls(actions).isEmpty)
        let outcome = (Self.commits(actions).flatMap { $0 } + loop.outcomes).first
        guard case .failed? = outcome?.result else {
            Issue.record("not failed: \(String(describing: outcome))")
            return
        }
    }

    @Test func leasesAreRenewedWhileClaimsAreHeldAndNotWhenIdle() throws {
        var (loop, _) = Self.loop(maxInFlight: 1)
        _ = loop.handle(.tick, now: Self.t0)
        let job = Self.job("S-1")
        let pass = try #require(Self.calls(loop.handle(Self.claimed([job]), now: Self.t0))["S-1"])
        func renews(_ actions: [BookingLoop.Action]) -> Bool { actions.contains { if case .renewClaims = $0 { true } else { false } } }
        // A long call: renewed every 20 s, one renewal at a time.
        #expect(!renews(loop.handle(.tick, now: Self.t0 + .seconds(19))))
        #expect(renews(loop.handle(.tick, now: Self.t0 + .seconds(20))))
        #expect(!renews(loop.handle(.tick, now: Self.t0 + .seconds(45))))
        // The first renewal came back late: the overdue one starts at once.
        #expect(renews(loop.handle(.claimsRenewed, now: Self.t0 + .seconds(45))))
        #expect(!renews(loop.handle(.claimsRenewed, now: Self.t0 + .seconds(46))))
        #expect(!renews(loop.handle(.tick, now: Self.t0 + .seconds(64))))
        #expect(renews(loop.handle(.tick, now: Self.t0 + .seconds(65))))
        _ = loop.handle(.claimsRenewed, now: Self.t0 + .seconds(65))
        // Once the outcome is committed, nothing is held: no more renewals.
        let actions = loop.handle(Self.result(job, pass, at: Self.t0 + .seconds(50), Self.booked), now: Self.t0 + .seconds(50))
        let batch = try #require(Self.commits(actions).first)
        _ = loop.handle(.committed(batch, latency: .zero), now: Self.t0 + .seconds(51))
        #expect(!renews(loop.handle(.tick, now: Self.t0 + .seconds(200))))
    }
}
