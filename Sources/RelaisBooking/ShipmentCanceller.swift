import RelaisCarriers
import RelaisCore
import RelaisStore

/// Cancels shipments (SPEC §14): the store's rules and intent first, then the carrier's
/// `[api.cancel]` through the carrier's shared ``CarrierGate`` (priority `background`, so
/// booking goes first), then the outcome recorded.
///
/// The operator's request (`POST /v1/shipments/{id}/cancel`) runs ``cancel(_:actor:)``;
/// relaisd's cancel service runs ``retryPending(limit:)`` on a timer, for the cancels whose
/// outcome was lost (a timeout after sending, a crash mid-call): they are asked again until
/// the carrier answers, and never reported done before.
public final class ShipmentCanceller: Sendable {
    let store: any CancelLedger
    let gates: CarrierGates
    let adapter: @Sendable (String) -> CarrierAdapter?
    let clock: any WallClock
    /// How long an operator's cancel waits for a slot at a busy carrier before giving up.
    let admissionWait: Duration
    /// After the first call of a cancel whose outcome was lost, before asking again; each
    /// further lost outcome doubles the wait, up to ``maximumRetryDelay``. Also how often
    /// relaisd's cancel service looks for the ones due.
    public let retryEvery: Duration
    /// The longest wait between two calls for one pending cancel: a carrier whose cancel
    /// API times out for a day is asked 24 times an hour at first, then once an hour.
    public let maximumRetryDelay: Duration

    /// - Parameter adapter: the carrier's adapter in force (a reload replaces them).
    public init(
        store: any CancelLedger, gates: CarrierGates, adapter: @escaping @Sendable (String) -> CarrierAdapter?,
        clock: any WallClock = SystemWallClock(), admissionWait: Duration = .seconds(10), retryEvery: Duration = .seconds(60),
        maximumRetryDelay: Duration = .seconds(3600)
    ) {
        self.store = store
        self.gates = gates
        self.adapter = adapter
        self.clock = clock
        self.admissionWait = admissionWait
        self.retryEvery = retryEvery
        self.maximumRetryDelay = max(retryEvery, maximumRetryDelay)
    }

    /// The wait before the next call of a pending cancel, `calls` calls made: `first`,
    /// doubled for each call after the first, at most `maximum`.
    public static func retryDelay(afterCalls calls: Int, first: Duration, maximum: Duration) -> Duration {
        var delay = first
        for _ in 1..<max(1, calls) {
            guard delay < maximum else { break }
            delay *= 2
        }
        return min(delay, maximum)
    }

    /// Cancels `id` as `actor` asks.
    /// - Throws: ``StoreError`` not found, or refused by the rules (closed manifest,
    ///   moving, not cancellable in its state, a cancel already pending).
    public func cancel(_ id: String, actor: Actor) async throws -> CancelEnd {
        switch try await store.beginCancel(id, actor: actor, now: clock.now()) {
        case .cancelled:
            return .cancelled
        case .callCarrier(let job):
            return try await call(job, actor: actor)
        }
    }

    /// Asks the carriers again for the pending cancels that are due. - Returns: how each ended.
    @discardableResult
    public func retryPending(limit: Int = 50) async throws -> [String: CancelEnd] {
        let lease = admissionWait + .seconds(300)
        var ends: [String: CancelEnd] = [:]
        for job in try await store.claimPendingCancels(now: clock.now(), lease: lease, limit: limit) {
            ends[job.shipmentID] = try await call(job, actor: Actor("cancel-retry"))
        }
        return ends
    }

    private func call(_ job: CancelJob, actor: Actor) async throws -> CancelEnd {
        let result = await carrierResult(job)
        let now = clock.now()
        let wait = Self.retryDelay(afterCalls: job.attempts + 1, first: retryEvery, maximum: maximumRetryDelay)
        return try await store.finishCancel(job, result: result, actor: actor, now: now, retryAt: now + wait)
    }

    /// What the carrier says, through its gate.
    func carrierResult(_ job: CancelJob) async -> CancelCallResult {
        guard let adapter = adapter(job.carrier) else {
            return .refused("\(job.carrier) has no booking API in the panel in force")
        }
        if adapter.api.cancelsLocally { return .cancelled }
        guard adapter.api.cancel != nil else {
            return .refused("\(job.carrier) has no [api.cancel]: ask the carrier, then fail the shipment")
        }
        let pass: CarrierGate.Pass
        switch await admit(job.carrier) {
        case .success(let admitted): pass = admitted
        case .failure(let refusal): return .notCancelled(refusal.message)
        }
        let result = await adapter.cancel(reference: job.shipmentID, trackingNumber: job.trackingNumber, now: clock.now().millisecondsSinceEpoch)
        let outcome: CarrierGate.Outcome
        let callResult: CancelCallResult
        switch result {
        case .success:
            (outcome, callResult) = (.answered, .cancelled)
        case .failure(let failure):
            switch failure.failureClass {
            case .permanent:
                outcome = failure.refusedBeforeSending ? .notSent : .answered
                callResult = .refused(failure.description)
            case .transient:
                (outcome, callResult) = (.failed, .notCancelled(failure.description))
            case .unknownOutcome:
                (outcome, callResult) = (.failed, .unknown(failure.description))
            }
        }
        gates.finished(job.carrier, pass, outcome: outcome, now: clock.now())
        return callResult
    }

    /// A background slot at `carrier`'s gate, waiting up to ``admissionWait`` while the
    /// carrier is busy or booking goes first; an open breaker is an answer at once.
    private func admit(_ carrier: String) async -> Result<CarrierGate.Pass, CarrierFailure> {
        let deadline = ContinuousClock.now + admissionWait
        while true {
            switch gates.admit(carrier, .background, now: clock.now()) {
            case .admitted(let pass):
                return .success(pass)
            case .refused(.breakerOpen):
                return .failure(CarrierFailure(.transient, "\(carrier)'s circuit breaker is open"))
            case .refused(let refusal):
                guard ContinuousClock.now < deadline else { return .failure(CarrierFailure(.transient, "\(carrier) is busy (\(refusal))")) }
                try? await Task.sleep(for: .milliseconds(20))
            case nil:
                return .failure(CarrierFailure(.transient, "\(carrier) has no gate: it is not bookable now"))
            }
        }
    }
}
