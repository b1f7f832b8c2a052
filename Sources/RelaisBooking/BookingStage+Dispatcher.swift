import Foundation
import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisRecords

extension BookingStage {
    /// The booking loop's state, owned by `run` alone: no locks inside.
    struct Dispatcher {
        let stage: BookingStage
        /// The panel in force, adopted from the stage when a reload replaces it.
        var adapters: [String: CarrierAdapter]
        var sites: [String: Site]
        var panelGeneration: Int
        var breakers: [String: CircuitBreaker]
        var limiters: [String: RateLimiter]
        /// Claimed, waiting for a call slot, per carrier; with the time of their claim.
        var waiting: [String: [(job: BookingJob, claimedAt: Int64)]] = [:]
        var inFlight: [String: Int] = [:]
        var lookupsInFlight = 0
        var outcomes: [BookingOutcome] = []
        /// Breakers that opened since the last commit; committed with the outcomes.
        var breakerOpenings: [BreakerOpening] = []
        var oldestOutcomeAt: Int64?
        var labelsToSync = false
        var claiming = false
        var committing = false
        /// Carriers whose last claim emptied their queue, and when to ask them again.
        var idleUntil: [String: Int64] = [:]
        /// When to claim again for carriers outside the panel.
        var othersDueAt: Int64 = 0
        var nextReconcileAt: Int64 = 0
        var statistics = BookingStatistics()
        /// Booked outcomes' claim times, for latency once committed.
        var pendingLatency: Int64 = 0
        var random = SystemRandomNumberGenerator()
        var metrics = BookingMetrics()

        init(stage: BookingStage) {
            self.stage = stage
            let panel = stage.currentPanel
            adapters = panel.adapters
            sites = panel.sites
            panelGeneration = panel.generation
            breakers = stage.freshBreakers(for: panel.adapters.keys)
            limiters = panel.adapters.compactMapValues { adapter in
                adapter.api.ratePerSecond.map { RateLimiter(ratePerSecond: $0) }
            }
        }

        /// After a reload: new carriers get a closed breaker, carriers still present keep
        /// theirs (a reload must not close an open breaker), and rate limits follow the
        /// new definitions.
        mutating func adoptPanelIfReplaced() {
            let panel = stage.currentPanel
            guard panel.generation != panelGeneration else { return }
            let fresh = stage.freshBreakers(for: panel.adapters.keys)
            breakers = fresh.merging(breakers.filter { panel.adapters[$0.key] != nil }) { _, kept in kept }
            limiters = panel.adapters.compactMapValues { adapter in
                adapter.api.ratePerSecond.map { RateLimiter(ratePerSecond: $0) }
            }.merging(limiters) { new, old in new.ratePerSecond == old.ratePerSecond ? old : new }
            adapters = panel.adapters
            sites = panel.sites
            panelGeneration = panel.generation
        }

        var settings: DaemonConfig.Booking { stage.settings }

        var idle: Bool {
            inFlight.values.allSatisfy { $0 == 0 } && waiting.values.allSatisfy(\.isEmpty) && lookupsInFlight == 0
                && outcomes.isEmpty && !claiming && !committing
        }

        // MARK: Claiming

        /// Claims per carrier up to twice its `max_in_flight` ahead; shipments of carriers
        /// whose breaker is open are claimed too, to move them to another candidate.
        ///
        /// Each carrier is asked as soon as it has room for a full round of calls, unless its
        /// last claim found fewer shipments due than asked: then not before
        /// ``claimPollMilliseconds`` (new work reaches the queue at the aggregation's pace, and
        /// asking an empty queue costs a write transaction). A busy carrier is never held
        /// back by idle ones.
        mutating func claimIfNeeded(now: Int64, group: inout ThrowingTaskGroup<Event, any Error>) {
            guard !claiming else { return }
            var limits: [String: Int] = [:]
            for (carrier, adapter) in adapters {
                // Every panel carrier is named, so that `others` means carriers outside it.
                limits[carrier] = 0
                if let until = idleUntil[carrier], now < until { continue }
                let held = (waiting[carrier]?.count ?? 0) + (inFlight[carrier] ?? 0)
                let room = max(0, 2 * adapter.api.maxInFlight - held)
                let limit = min(room, settings.claimBatch)
                // Small claims are not worth a transaction until the carrier is half empty.
                guard limit > 0, limit >= max(1, adapter.api.maxInFlight) || held == 0 else { continue }
                limits[carrier] = limit
            }
            let others = now >= othersDueAt ? Self.othersLimit : 0
            guard others > 0 || limits.values.contains(where: { $0 > 0 }) else { return }
            claiming = true
            let store = stage.store
            group.addTask {
                let claimed = try await store.claim(limits: limits, othersLimit: others, now: now)
                let jobs = try await store.bookingJobs(for: claimed)
                var found: [String: Int] = [:]
                for case let carrier? in claimed.map(\.carrier) { found[carrier, default: 0] += 1 }
                return .claimed(jobs, Claim(at: now, asked: limits, others: others, found: found))
            }
        }

        static let othersLimit = 16
        static let claimPollMilliseconds: Int64 = 50

        /// Routes what a claim brought, and notes which carriers' queues it emptied.
        mutating func claimed(_ jobs: [BookingJob], _ claim: Claim, now: Int64) {
            claiming = false
            for (carrier, asked) in claim.asked where asked > 0 {
                idleUntil[carrier] = (claim.found[carrier] ?? 0) < asked ? claim.at + Self.claimPollMilliseconds : nil
            }
            if claim.others > 0 {
                let found = claim.found.filter { claim.asked[$0.key] == nil }.values.reduce(0, +)
                othersDueAt = found < claim.others ? claim.at + Self.claimPollMilliseconds : claim.at
            }
            for job in jobs { route(job, claimedAt: claim.at, now: now) }
        }

        /// Sends a claimed job to its carrier's queue, or moves it on without a call.
        mutating func route(_ job: BookingJob, claimedAt: Int64, now: Int64) {
            let key = ServiceKey(carrier: job.carrier, service: job.service)
            if now - job.createdAt > Int64(settings.maximumLifetimeSeconds) * 1000 {
                record(job, .failed, failure: nil, now: now, detail: "not booked within the maximum lifetime")
                return
            }
            guard adapters[job.carrier] != nil else {
                moveOn(job, from: key, now: now, because: "carrier \(job.carrier) has no booking API in the panel")
                return
            }
            if job.transientFailuresHere >= settings.failoverAfter,
                let next = nextCandidate(for: job, now: now)
            {
                record(
                    job, .failover(to: next), failure: nil, now: now,
                    detail: "\(job.transientFailuresHere) transient failures on \(key); next candidate \(next.key)")
                return
            }
            if let breaker = breakers[job.carrier], !breaker.wouldPermit(now: now) {
                breakerRefused(job, now: now)
                return
            }
            waiting[job.carrier, default: []].append((job, claimedAt))
        }

        /// The carrier's breaker refused: another candidate if one is healthy, else back to
        /// the queue until the breaker half-opens. Nothing was sent, so nothing was booked.
        mutating func breakerRefused(_ job: BookingJob, now: Int64) {
            if let next = nextCandidate(for: job, now: now) {
                record(job, .failover(to: next), failure: nil, now: now, detail: "circuit breaker of \(job.carrier) is open")
            } else {
                var until = now + 1000
                if case .open(let reopen) = breakers[job.carrier]?.state { until = max(reopen, now + 100) }
                record(
                    job, .postponed(until: until), failure: nil, now: now,
                    detail: "circuit breaker of \(job.carrier) is open and no other candidate is available")
            }
        }

        /// The best remaining eligible candidate whose carrier can take a call.
        func nextCandidate(for job: BookingJob, now: Int64) -> BookingCandidate? {
            let current = ServiceKey(carrier: job.carrier, service: job.service)
            return job.candidates.first { candidate in
                candidate.key != current && !job.excluded.contains(candidate.key)
                    && adapters[candidate.key.carrier] != nil
                    && (breakers[candidate.key.carrier]?.wouldPermit(now: now) ?? true)
            }
        }

        /// The current service will not book it: the next candidate, or failed.
        mutating func moveOn(_ job: BookingJob, from key: ServiceKey, now: Int64, because reason: String, failure: CarrierFailure? = nil) {
            if let next = nextCandidate(for: job, now: now) {
                record(job, .failover(to: next), failure: failure, now: now, detail: "\(reason); next candidate \(next.key)")
            } else {
                record(job, .failed, failure: failure, now: now, detail: "\(reason); no eligible candidate left")
            }
        }

        /// Jobs claimed but never called go back to the queue (a graceful stop).
        mutating func returnWaiting(now: Int64) {
            for (_, jobs) in waiting {
                for (job, _) in jobs {
                    record(job, .postponed(until: now), failure: nil, now: now, detail: "daemon stopping; not called")
                }
            }
            waiting = [:]
        }

        // MARK: Calling

        mutating func startCalls(now: Int64, group: inout ThrowingTaskGroup<Event, any Error>) {
            for carrier in waiting.keys.sorted() {
                guard let adapter = adapters[carrier] else { continue }
                while var queue = waiting[carrier], !queue.isEmpty, (inFlight[carrier] ?? 0) < adapter.api.maxInFlight {
                    if limiters[carrier] != nil, limiters[carrier]!.take(now: now) == false { break }
                    let (job, claimedAt) = queue.removeFirst()
                    waiting[carrier] = queue
                    let permission = breakers[carrier]?.permit(now: now) ?? .allowed
                    let probe: Bool
                    switch permission {
                    case .allowed: probe = false
                    case .probe: probe = true
                    case .refused:
                        breakerRefused(job, now: now)
                        continue
                    }
                    inFlight[carrier, default: 0] += 1
                    let stage = self.stage
                    let site = sites[job.site]
                    group.addTask {
                        .called(await stage.perform(job, adapter: adapter, site: site, probe: probe, claimedAt: claimedAt))
                    }
                }
            }
        }

        mutating func finished(_ call: CallResult, now: Int64) {
            let job = call.job
            inFlight[job.carrier, default: 1] -= 1
            let key = ServiceKey(carrier: job.carrier, service: job.service)
            switch call.result {
            case .success(let confirmation):
                breakers[job.carrier]?.record(.healthy, now: now)
                var detail = "tracking \(confirmation.trackingNumber)"
                if let problem = call.labelProblem { detail += "; no label: \(problem)" }
                if call.labelPath != nil { labelsToSync = true }
                pendingLatency += now - call.claimedAt
                record(
                    job, .booked(trackingNumber: confirmation.trackingNumber, carrierPrice: confirmation.price, labelPath: call.labelPath),
                    failure: nil, now: now, startedAt: call.startedAt, detail: detail)
            case .failure(let failure):
                if failure.refusedBeforeSending {
                    if call.probe { breakers[job.carrier]?.probeAbandoned() }
                } else {
                    let openedBefore = breakers[job.carrier]?.openings ?? 0
                    breakers[job.carrier]?.record(failure.failureClass == .permanent ? .healthy : .unhealthy, now: now)
                    if let breaker = breakers[job.carrier], breaker.openings > openedBefore {
                        breakerOpenings.append(
                            BreakerOpening(
                                carrier: job.carrier, at: now,
                                detail: "opened; last failure: \(failure.description)"))
                    }
                }
                switch failure.failureClass {
                case .unknownOutcome:
                    record(job, .uncertain, failure: failure, now: now, startedAt: call.startedAt, detail: failure.description)
                case .permanent where failure.refusedBeforeSending:
                    record(job, .failed, failure: failure, now: now, startedAt: call.startedAt, detail: failure.description)
                case .permanent:
                    moveOn(job, from: key, now: now, because: failure.description, failure: failure)
                case .transient:
                    let failures = job.transientFailuresHere + 1
                    if failures >= settings.failoverAfter || breakers[job.carrier]?.wouldPermit(now: now) == false,
                        let next = nextCandidate(for: job, now: now)
                    {
                        record(
                            job, .failover(to: next), failure: failure, now: now, startedAt: call.startedAt,
                            detail: "\(failure.description); next candidate \(next.key)")
                        return
                    }
                    let backoff = Backoff(
                        minimumMilliseconds: Int64(settings.minimumBackoffSeconds * 1000),
                        maximumMilliseconds: Int64(settings.maximumBackoffSeconds * 1000))
                    let until = now + backoff.delay(afterFailures: max(1, job.attempts), jitter: Double.random(in: 0...1, using: &random))
                    if until - job.createdAt > Int64(settings.maximumLifetimeSeconds) * 1000 {
                        record(job, .failed, failure: failure, now: now, startedAt: call.startedAt, detail: "\(failure.description); maximum lifetime reached")
                    } else {
                        record(job, .deferred(until: until), failure: failure, now: now, startedAt: call.startedAt, detail: failure.description)
                    }
                }
            }
        }

        mutating func record(
            _ job: BookingJob, _ result: BookingOutcome.Result, failure: CarrierFailure?, now: Int64, startedAt: Int64? = nil,
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

        func shouldFlush(now: Int64, stopping: Bool) -> Bool {
            guard !committing, let oldest = oldestOutcomeAt, !outcomes.isEmpty else { return false }
            let calls = inFlight.values.reduce(0, +)
            return stopping || outcomes.count >= settings.commitBatch || now - oldest >= 10 || calls == 0
        }

        /// Commits the buffered outcomes in a child task, one group at a time.
        mutating func flush(now: Int64, group: inout ThrowingTaskGroup<Event, any Error>) {
            guard !committing, !outcomes.isEmpty else { return }
            committing = true
            let batch = outcomes
            let openings = breakerOpenings
            breakerOpenings.removeAll()
            let syncLabels = labelsToSync
            let latency = pendingLatency
            outcomes.removeAll(keepingCapacity: true)
            oldestOutcomeAt = nil
            labelsToSync = false
            pendingLatency = 0
            let stage = self.stage
            group.addTask {
                if syncLabels { try stage.syncLabels() }
                try await stage.store.commit(batch, breakerOpenings: openings, now: stage.clock())
                return .committed(batch, latency: latency)
            }
        }

        mutating func committed(_ batch: [BookingOutcome], latency: Int64) {
            committing = false
            for outcome in batch {
                metrics.committed(outcome)
                switch outcome.result {
                case .booked: statistics.booked += 1
                case .deferred, .postponed: statistics.deferred += 1
                case .failover: statistics.failedOver += 1
                case .uncertain: statistics.uncertain += 1
                case .failed: statistics.failed += 1
                }
            }
            statistics.bookedLatencyTotal += latency
        }

        // MARK: Reconciling

        /// Looks up uncertain shipments at carriers that allow it, a few at a time.
        mutating func reconcileIfDue(now: Int64, group: inout ThrowingTaskGroup<Event, any Error>) async throws {
            guard now >= nextReconcileAt, lookupsInFlight == 0 else { return }
            nextReconcileAt = now + Int64(settings.reconcileIntervalSeconds * 1000)
            let carriers = Set(adapters.filter { $0.value.canLookUp }.keys)
            for shipment in try await stage.store.uncertainDue(carriers: carriers, now: now, limit: 32) {
                guard let adapter = adapters[shipment.carrier] else { continue }
                lookupsInFlight += 1
                group.addTask { .lookedUp(shipment, await adapter.lookup(reference: shipment.id, now: now / 1000)) }
            }
        }

        mutating func reconciled(_ shipment: UncertainShipment, result: LookupResult, now: Int64) async throws {
            lookupsInFlight -= 1
            let answer: LookupAnswer =
                switch result {
                case .booked(let tracking): .booked(trackingNumber: tracking)
                case .notBooked: .notBooked
                case .inconclusive(let why): .inconclusive(why)
                }
            try await stage.store.reconcile(
                shipment, result: answer, now: now, retryAt: now + Int64(settings.reconcileIntervalSeconds * 1000))
            if case .inconclusive = result {} else { statistics.reconciled += 1 }
        }
    }

    /// A closed breaker per carrier with an adapter.
    func freshBreakers(for carriers: some Sequence<String>) -> [String: CircuitBreaker] {
        carriers.reduce(into: [:]) { breakers, carrier in
            breakers[carrier] = CircuitBreaker(
                failureThreshold: settings.breakerThreshold, openMilliseconds: Int64(settings.breakerOpenSeconds * 1000))
        }
    }
}
