import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisStore

/// The booking loop as a value (swift-nio's connection state machines are the model): it
/// takes events — a tick, a claim's result, a finished call, a commit, a lookup, a reload,
/// a stop — and returns the actions to perform: claim, call, commit, look up, reconcile.
/// ``BookingStage`` performs them and feeds their results back; nothing here does I/O, reads
/// a clock or starts a task, so tests drive it with scripted times and carrier results.
///
/// The one thing it shares is the carriers' ``CarrierGates`` (breaker, rate limit, in-flight
/// slots), which other loops that call carriers use too; a test hands it gates of its own.
///
/// Rules, and why (SPEC §2, §9):
/// 1. **Never booked twice.** A shipment moves to another candidate only when the first is
///    known not to have booked (a permanent refusal, a transient failure, a breaker that
///    refused the call). An unknown outcome makes it `uncertain`; only a lookup by our
///    reference, or an operator, takes it out.
/// 2. **Nothing acknowledged before it is on disk.** Outcomes are committed in groups, one at
///    a time, with ``Action/commit(_:breakerOpenings:labels:latency:)`` carrying the group's
///    labels, written and flushed before the commit names them.
/// 3. **Bounded.** Per carrier, up to twice its `max_in_flight` claimed ahead; calls only
///    through its gate; at most one claim, one commit and one round of lookups at a time.
struct BookingLoop {
    /// What the loop knows of a carrier in the panel.
    struct Carrier: Hashable, Sendable {
        var maxInFlight: Int
        /// Whether uncertain bookings can be looked up at this carrier.
        var canLookUp: Bool
    }

    enum Event: Sendable {
        /// The loop's periodic turn.
        case tick
        case claimed([BookingJob], Claim)
        case called(CallResult)
        case committed([BookingOutcome], latency: Duration)
        case uncertainFound([UncertainShipment])
        case lookedUp(UncertainShipment, LookupResult, pass: CarrierGate.Pass)
        case reconcileRecorded(UncertainShipment, LookupResult)
        case claimsRenewed
        /// A reload put a new panel in force (the gates were reconfigured by the stage).
        case panelReplaced([String: Carrier])
        /// Stop claiming, return what waits to the queue, drain, commit.
        case stop
    }

    enum Action: Sendable {
        /// Claim per carrier up to `limits[c]`, and `others` for carriers outside the panel.
        case claim(limits: [String: Int], others: Int)
        /// Call the carrier for `job` with the gate's pass (give it back when it finishes).
        case call(BookingJob, pass: CarrierGate.Pass, claimedAt: Instant)
        /// Write the group's labels and flush them, then commit the outcomes in one
        /// transaction, each booked one naming its label's file.
        case commit([BookingOutcome], breakerOpenings: [BreakerOpening], labels: [PendingLabel], latency: Duration)
        /// Find uncertain shipments due for a lookup at these carriers.
        case findUncertain(carriers: Set<String>, limit: Int)
        /// Ask the carrier about it, with the gate's pass (lookups go through the gate too).
        case lookup(UncertainShipment, pass: CarrierGate.Pass)
        /// Record a lookup's answer; `retryAt` for an inconclusive one.
        case reconcile(UncertainShipment, LookupResult, retryAt: Instant)
        /// Extend the lease of every shipment this node holds in `booking`.
        case renewClaims
        /// Stopped and drained: nothing is under way; the run may return.
        case finish
    }

    /// What one claim asked for and found, per carrier.
    struct Claim: Hashable, Sendable {
        var at: Instant
        /// Per panel carrier, how many were asked for (0: not asked this time).
        var asked: [String: Int]
        /// How many were asked for carriers outside the panel.
        var others: Int
        var found: [String: Int]
    }

    /// A finished carrier call, as the stage reports it.
    struct CallResult: Sendable {
        var job: BookingJob
        var pass: CarrierGate.Pass
        var claimedAt: Instant
        var startedAt: Instant
        var finishedAt: Instant
        var result: Result<BookingConfirmation, CarrierFailure>
        /// The label the carrier sent, written with the call's commit group.
        var label: PendingLabel?
        var labelProblem: String?
    }

    /// A booked shipment's label, kept until its commit group writes it: one job on the
    /// thread pool per group for every label and the flush, rather than a hop to it and back
    /// for each booking.
    struct PendingLabel: Sendable {
        var shipment: String
        /// The file's extension: `pdf`, `zpl`, …
        var format: String
        var bytes: [UInt8]
    }

    let settings: DaemonConfig.Booking
    let gates: CarrierGates
    /// A draw in `0...1` for backoff jitter; scripted in tests.
    let jitter: @Sendable () -> Double
    private(set) var carriers: [String: Carrier]

    /// Claimed, waiting for a call slot, per carrier; with the time of their claim.
    private(set) var waiting: [String: [(job: BookingJob, claimedAt: Instant)]] = [:]
    /// This loop's calls under way per carrier (the gate counts every caller's).
    private(set) var inFlight: [String: Int] = [:]
    private var lookupsInFlight = 0
    private var findingUncertain = false
    private var renewing = false
    private var nextRenewalAt: Instant?
    private(set) var outcomes: [BookingOutcome] = []
    /// Breakers that opened since the last commit; committed with the outcomes.
    private var breakerOpenings: [BreakerOpening] = []
    private var oldestOutcomeAt: Instant?
    private var labels: [PendingLabel] = []
    /// The bytes of `labels`: a group is committed once they reach ``labelBytesPerGroup``.
    private var labelBytes = 0
    private(set) var claiming = false
    private(set) var committing = false
    private(set) var stopping = false
    private var finished = false
    /// Carriers whose last claim found fewer due than asked, and when to ask them again.
    private var idleUntil: [String: Instant] = [:]
    /// When to claim again for carriers outside the panel.
    private var othersDueAt = Instant.epoch
    private var nextReconcileAt = Instant.epoch
    /// Claim-to-commit time of booked outcomes not yet committed.
    private var pendingLatency = Duration.zero
    private(set) var statistics = BookingStatistics()

    /// Shipments claimed when their carrier's queue was found empty are not asked for again
    /// before this: new work arrives at the aggregation's pace, and asking an empty queue
    /// costs a write transaction.
    static let claimPoll = Duration.milliseconds(50)
    /// Claimed at once for carriers outside the panel (to fail them over).
    static let othersLimit = 16
    /// Uncertain shipments looked up per round.
    static let lookupBatch = 32
    /// Outcomes wait at most this long for their commit group to fill.
    static let commitDelay = Duration.milliseconds(10)
    /// Labels wait in memory for their group's commit (``PendingLabel``): a group holding this
    /// many bytes of them is committed at once, so that a carrier's large PDFs at full rate
    /// cost megabytes, not the `commit_batch` × label size a full group would hold.
    static let labelBytesPerGroup = 8 << 20

    /// How often the leases of claimed shipments are renewed: a third of the store's lease,
    /// so that two renewals can fail before another node may take them.
    let leaseRenewal: Duration

    init(
        settings: DaemonConfig.Booking, carriers: [String: Carrier], gates: CarrierGates, leaseRenewal: Duration = .seconds(20),
        jitter: @escaping @Sendable () -> Double
    ) {
        self.settings = settings
        self.leaseRenewal = leaseRenewal
        self.carriers = carriers
        self.gates = gates
        self.jitter = jitter
    }

    /// Nothing claimed, called, looked up or waiting to be committed.
    var idle: Bool {
        inFlight.values.allSatisfy { $0 == 0 } && waiting.values.allSatisfy(\.isEmpty) && lookupsInFlight == 0
            && !findingUncertain && outcomes.isEmpty && !claiming && !committing && !renewing
    }

    /// Shipments this loop holds in `booking`: claimed and waiting, called, or with an
    /// outcome not yet committed.
    var holdsClaims: Bool {
        inFlight.values.contains { $0 > 0 } || waiting.values.contains { !$0.isEmpty } || !outcomes.isEmpty || committing
    }

    /// Takes one event at `now` and returns what to do next, in order.
    mutating func handle(_ event: Event, now: Instant) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .tick:
            break
        case .claimed(let jobs, let claim):
            claimed(jobs, claim, now: now)
        case .called(let call):
            finished(call, now: now)
        case .committed(let batch, let latency):
            committed(batch, latency: latency)
        case .uncertainFound(let shipments):
            findingUncertain = false
            // A carrier that cannot take a call now is asked again at the next round.
            for shipment in shipments where carriers[shipment.carrier] != nil {
                guard case .admitted(let pass) = gates.admit(shipment.carrier, .booking, now: now) else { continue }
                lookupsInFlight += 1
                actions.append(.lookup(shipment, pass: pass))
            }
        case .lookedUp(let shipment, let result, let pass):
            let outcome: CarrierGate.Outcome
            switch result {
            case .booked, .notBooked: outcome = .answered
            // An error or an unreadable reply: the breaker hears of the carrier's health from
            // booking calls, not from a lookup's inconclusive answer.
            case .inconclusive: outcome = .notSent
            }
            gates.finished(shipment.carrier, pass, outcome: outcome, now: now)
            actions.append(.reconcile(shipment, result, retryAt: now + reconcileInterval))
        case .reconcileRecorded(_, let result):
            lookupsInFlight -= 1
            if case .inconclusive = result {} else { statistics.reconciled += 1 }
        case .claimsRenewed:
            renewing = false
        case .panelReplaced(let carriers):
            self.carriers = carriers
        case .stop:
            if !stopping {
                stopping = true
                returnWaiting(now: now)
            }
        }
        turn(now: now, into: &actions)
        return actions
    }

    /// What every turn does after its event: claim, look up, call, commit, finish.
    private mutating func turn(now: Instant, into actions: inout [Action]) {
        guard !finished else { return }
        if !stopping {
            claimIfNeeded(now: now, into: &actions)
            reconcileIfDue(now: now, into: &actions)
        }
        startCalls(now: now, into: &actions)
        renewIfDue(now: now, into: &actions)
        if shouldFlush(now: now) { flush(into: &actions) }
        gates.setBookingWaiting(waiting.mapValues(\.count))
        if stopping && idle {
            finished = true
            actions.append(.finish)
        }
    }

    private var reconcileInterval: Duration { .seconds(decimal: settings.reconcileIntervalSeconds) }
    private var maximumLifetime: Duration { .seconds(settings.maximumLifetimeSeconds) }
}

extension BookingLoop {
    // MARK: Claiming

    /// Claims per carrier up to twice its `max_in_flight` ahead; shipments of carriers whose
    /// breaker is open are claimed too, to move them to another candidate.
    ///
    /// Each carrier is asked as soon as it has room for a full round of calls, unless its
    /// last claim found fewer shipments due than asked: then not before ``claimPoll``. A
    /// busy carrier is never held back by idle ones.
    fileprivate mutating func claimIfNeeded(now: Instant, into actions: inout [Action]) {
        guard !claiming else { return }
        var limits: [String: Int] = [:]
        for (id, carrier) in carriers {
            // Every panel carrier is named, so that `others` means carriers outside it.
            limits[id] = 0
            if let until = idleUntil[id], now < until { continue }
            let held = (waiting[id]?.count ?? 0) + (inFlight[id] ?? 0)
            let room = max(0, 2 * carrier.maxInFlight - held)
            let limit = min(room, settings.claimBatch)
            // Small claims are not worth a transaction until the carrier is half empty.
            guard limit > 0, limit >= max(1, carrier.maxInFlight) || held == 0 else { continue }
            limits[id] = limit
        }
        let others = now >= othersDueAt ? Self.othersLimit : 0
        guard others > 0 || limits.values.contains(where: { $0 > 0 }) else { return }
        claiming = true
        actions.append(.claim(limits: limits, others: others))
    }

    /// Routes what a claim brought, and notes which carriers' queues it emptied.
    fileprivate mutating func claimed(_ jobs: [BookingJob], _ claim: Claim, now: Instant) {
        claiming = false
        for (carrier, asked) in claim.asked where asked > 0 {
            idleUntil[carrier] = (claim.found[carrier] ?? 0) < asked ? claim.at + Self.claimPoll : nil
        }
        if claim.others > 0 {
            let found = claim.found.filter { claim.asked[$0.key] == nil }.values.reduce(0, +)
            othersDueAt = found < claim.others ? claim.at + Self.claimPoll : claim.at
        }
        for job in jobs { route(job, claimedAt: claim.at, now: now) }
    }

    /// Sends a claimed job to its carrier's queue, or moves it on without a call.
    fileprivate mutating func route(_ job: BookingJob, claimedAt: Instant, now: Instant) {
        let key = ServiceKey(carrier: job.carrier, service: job.service)
        if now - job.createdAt > maximumLifetime {
            record(job, .failed, failure: nil, now: now, detail: "not booked within the maximum lifetime")
            return
        }
        guard carriers[job.carrier] != nil else {
            moveOn(job, from: key, now: now, because: "carrier \(job.carrier) has no booking API in the panel")
            return
        }
        if job.transientFailuresHere >= settings.failoverAfter, let next = nextCandidate(for: job, now: now) {
            record(
                job, .failover(to: next), failure: nil, now: now,
                detail: "\(job.transientFailuresHere) transient failures on \(key); next candidate \(next.key)")
            return
        }
        if !gates.breakerPermits(job.carrier, now: now) {
            breakerRefused(job, until: nil, now: now)
            return
        }
        waiting[job.carrier, default: []].append((job, claimedAt))
    }

    /// The carrier's breaker refused: another candidate if one is healthy, else back to the
    /// queue until the breaker half-opens. Nothing was sent, so nothing was booked.
    fileprivate mutating func breakerRefused(_ job: BookingJob, until reopen: Instant?, now: Instant) {
        if let next = nextCandidate(for: job, now: now) {
            record(job, .failover(to: next), failure: nil, now: now, detail: "circuit breaker of \(job.carrier) is open")
            return
        }
        var until = now + .seconds(1)
        if let reopen {
            until = max(reopen, now + .milliseconds(100))
        } else if case .open(let reopen) = gates.snapshot[job.carrier]?.breaker.state {
            until = max(reopen, now + .milliseconds(100))
        }
        record(
            job, .postponed(until: until), failure: nil, now: now,
            detail: "circuit breaker of \(job.carrier) is open and no other candidate is available")
    }

    /// The best remaining eligible candidate whose carrier can take a call.
    func nextCandidate(for job: BookingJob, now: Instant) -> BookingCandidate? {
        let current = ServiceKey(carrier: job.carrier, service: job.service)
        return job.candidates.first { candidate in
            candidate.key != current && !job.excluded.contains(candidate.key) && carriers[candidate.key.carrier] != nil
                && gates.breakerPermits(candidate.key.carrier, now: now)
        }
    }

    /// The current service will not book it: the next candidate, or failed.
    fileprivate mutating func moveOn(
        _ job: BookingJob, from key: ServiceKey, now: Instant, because reason: String, failure: CarrierFailure? = nil
    ) {
        if let next = nextCandidate(for: job, now: now) {
            record(job, .failover(to: next), failure: failure, now: now, detail: "\(reason); next candidate \(next.key)")
        } else {
            record(job, .failed, failure: failure, now: now, detail: "\(reason); no eligible candidate left")
        }
    }

    /// Jobs claimed but never called go back to the queue (a graceful stop).
    fileprivate mutating func returnWaiting(now: Instant) {
        for carrier in waiting.keys.sorted() {
            for (job, _) in waiting[carrier] ?? [] {
                record(job, .postponed(until: now), failure: nil, now: now, detail: "daemon stopping; not called")
            }
        }
        waiting = [:]
    }

    // MARK: Calling

    /// Starts every waiting call its carrier's gate admits, carriers in id order.
    fileprivate mutating func startCalls(now: Instant, into actions: inout [Action]) {
        for carrier in waiting.keys.sorted() {
            while case let (job, claimedAt)? = waiting[carrier]?.first {
                guard let admission = gates.admit(carrier, .booking, now: now) else {
                    // The carrier left the panel after the claim: move the job on.
                    waiting[carrier]!.removeFirst()
                    moveOn(
                        job, from: ServiceKey(carrier: job.carrier, service: job.service), now: now,
                        because: "carrier \(job.carrier) has no booking API in the panel")
                    continue
                }
                switch admission {
                case .admitted(let pass):
                    waiting[carrier]!.removeFirst()
                    inFlight[carrier, default: 0] += 1
                    actions.append(.call(job, pass: pass, claimedAt: claimedAt))
                    continue
                case .refused(.breakerOpen(let until)):
                    waiting[carrier]!.removeFirst()
                    breakerRefused(job, until: until, now: now)
                    continue
                case .refused(.full), .refused(.rateLimited), .refused(.bookingFirst):
                    break
                }
                break
            }
            if waiting[carrier]?.isEmpty == true { waiting[carrier] = nil }
        }
    }

    /// A call came back: record its outcome and tell the gate.
    fileprivate mutating func finished(_ call: CallResult, now: Instant) {
        let job = call.job
        inFlight[job.carrier, default: 1] -= 1
        let key = ServiceKey(carrier: job.carrier, service: job.service)
        switch call.result {
        case .success(let confirmation):
            gates.finished(job.carrier, call.pass, outcome: .answered, now: now)
            var detail = "tracking \(confirmation.trackingNumber)"
            if let problem = call.labelProblem { detail += "; no label: \(problem)" }
            if let label = call.label {
                labels.append(label)
                labelBytes += label.bytes.count
            }
            pendingLatency += now - call.claimedAt
            record(
                // The label's path is filled in by the commit, once its file is written.
                job, .booked(trackingNumber: confirmation.trackingNumber, carrierPrice: confirmation.price, labelPath: nil),
                failure: nil, now: now, startedAt: call.startedAt, detail: detail)
        case .failure(let failure):
            let outcome: CarrierGate.Outcome =
                failure.refusedBeforeSending ? .notSent : failure.failureClass == .permanent ? .answered : .failed
            if gates.finished(job.carrier, call.pass, outcome: outcome, now: now) {
                breakerOpenings.append(
                    BreakerOpening(carrier: job.carrier, at: now, detail: "opened; last failure: \(failure.description)"))
            }
            switch failure.failureClass {
            case .unknownOutcome:
                record(job, .uncertain, failure: failure, now: now, startedAt: call.startedAt, detail: failure.description)
            case .permanent where failure.refusedBeforeSending:
                record(job, .failed, failure: failure, now: now, startedAt: call.startedAt, detail: failure.description)
            case .permanent:
                moveOn(job, from: key, now: now, because: failure.description, failure: failure)
            case .transient:
                transientFailure(call, failure, now: now)
            }
        }
    }

    /// Another candidate after `failover_after` failures here (or when this carrier's
    /// breaker is now open), else deferred with backoff, else failed at the end of its life.
    private mutating func transientFailure(_ call: CallResult, _ failure: CarrierFailure, now: Instant) {
        let job = call.job
        let failures = job.transientFailuresHere + 1
        if failures >= settings.failoverAfter || !gates.breakerPermits(job.carrier, now: now),
            let next = nextCandidate(for: job, now: now)
        {
            record(
                job, .failover(to: next), failure: failure, now: now, startedAt: call.startedAt,
                detail: "\(failure.description); next candidate \(next.key)")
            return
        }
        let backoff = Backoff(
            minimum: .seconds(decimal: settings.minimumBackoffSeconds), maximum: .seconds(decimal: settings.maximumBackoffSeconds))
        let until = now + backoff.delay(afterFailures: max(1, job.attempts), jitter: jitter())
        if until - job.createdAt > maximumLifetime {
            record(
                job, .failed, failure: failure, now: now, startedAt: call.startedAt,
                detail: "\(failure.description); maximum lifetime reached")
        } else {
            record(job, .deferred(until: until), failure: failure, now: now, startedAt: call.startedAt, detail: failure.description)
        }
    }

    fileprivate mutating func record(
        _ job: BookingJob, _ result: BookingOutcome.Result, failure: CarrierFailure?, now: Instant, startedAt: Instant? = nil,
        detail: String
    ) {
        outcomes.append(
            BookingOutcome(
                shipment: job.id, carrier: job.carrier, service: job.service, result: result,
                failureClass: failure?.failureClass, httpStatus: failure?.httpStatus, startedAt: startedAt ?? now,
                finishedAt: now, detail: detail))
        if oldestOutcomeAt == nil { oldestOutcomeAt = now }
    }

    // MARK: Committing

    /// A group is committed when it is full, when its oldest outcome has waited
    /// ``commitDelay``, when no call is under way (nothing more is coming soon), or when
    /// stopping; one group at a time.
    fileprivate func shouldFlush(now: Instant) -> Bool {
        guard !committing, let oldest = oldestOutcomeAt, !outcomes.isEmpty else { return false }
        let calls = inFlight.values.reduce(0, +)
        return stopping || outcomes.count >= settings.commitBatch || labelBytes >= Self.labelBytesPerGroup
            || now - oldest >= Self.commitDelay || calls == 0
    }

    fileprivate mutating func flush(into actions: inout [Action]) {
        committing = true
        actions.append(.commit(outcomes, breakerOpenings: breakerOpenings, labels: labels, latency: pendingLatency))
        outcomes.removeAll(keepingCapacity: true)
        breakerOpenings.removeAll()
        oldestOutcomeAt = nil
        labels.removeAll()
        labelBytes = 0
        pendingLatency = .zero
    }

    fileprivate mutating func committed(_ batch: [BookingOutcome], latency: Duration) {
        committing = false
        for outcome in batch {
            switch outcome.result {
            case .booked: statistics.booked += 1
            case .deferred, .postponed: statistics.deferred += 1
            case .failover: statistics.failedOver += 1
            case .uncertain: statistics.uncertain += 1
            case .failed: statistics.failed += 1
            }
        }
        statistics.bookedLatencyTotal += latency.wholeMilliseconds
    }

    // MARK: Leases

    /// Renews the leases of this node's claims every ``leaseRenewal`` while it holds any, so
    /// that a long carrier call is never taken for a dead node's.
    fileprivate mutating func renewIfDue(now: Instant, into actions: inout [Action]) {
        guard holdsClaims else {
            nextRenewalAt = nil
            return
        }
        guard let due = nextRenewalAt else {
            nextRenewalAt = now + leaseRenewal
            return
        }
        guard now >= due, !renewing else { return }
        renewing = true
        nextRenewalAt = now + leaseRenewal
        actions.append(.renewClaims)
    }

    // MARK: Reconciling

    /// Asks for uncertain shipments due for a lookup at carriers that allow it, one round at
    /// a time, every `reconcile_interval`.
    fileprivate mutating func reconcileIfDue(now: Instant, into actions: inout [Action]) {
        guard now >= nextReconcileAt, lookupsInFlight == 0, !findingUncertain else { return }
        nextReconcileAt = now + reconcileInterval
        let lookable = Set(carriers.filter(\.value.canLookUp).keys)
        guard !lookable.isEmpty else { return }
        findingUncertain = true
        actions.append(.findUncertain(carriers: lookable, limit: Self.lookupBatch))
    }
}
