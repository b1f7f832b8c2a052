import CRelaisSystem
import Foundation
import NIOPosix
import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisOrders
import RelaisStore
import Synchronization

/// The booking stage (Postfix's `qmgr` + `smtp`): claims due shipments, calls their carrier,
/// and records what happened (SPEC §2, §9).
///
/// The decisions — what to claim, which call may start, failover, backoff, the breaker, when
/// to commit — are ``BookingLoop``'s, a value that takes events and returns actions. This
/// class is its executor: it performs each action as a child task of one task group (a
/// claim, a carrier call, a commit, a lookup) and feeds the result back as the next event.
/// Claims and commits run as child tasks too, so that an fsync never holds up replies.
///
/// Carriers are called through the daemon's shared ``CarrierGates``: booking, lookups and
/// every other caller of a carrier respect one `max_in_flight`, one rate limit and one
/// breaker.
public final class BookingStage: Sendable {
    let store: any ShipmentQueue
    let settings: DaemonConfig.Booking
    /// Where labels are written: `<state>/labels`.
    public let labelsDirectory: String
    let clock: any WallClock
    /// Every carrier's gate, shared with the other callers of carriers.
    public let gates: CarrierGates
    private let shared = Mutex(BookingStatistics())
    /// Labels are written as unnamed files, named when whole, until the file system or a
    /// missing `/proc` says no (``writeLabel(_:shipment:format:)``).
    let unnamedLabels = Atomic(true)

    /// The carriers and sites in force; a reload replaces them (``replace(adapters:sites:)``)
    /// and the loop adopts them at its next turn.
    struct Panel: Sendable {
        var adapters: [String: CarrierAdapter]
        var sites: [String: Site]
        var generation: Int
    }

    private let panel: Mutex<Panel>

    /// - Parameter gates: the daemon's gates; configured here for the adapters' carriers.
    public init(
        store: any ShipmentQueue, adapters: [String: CarrierAdapter], sites: [Site], settings: DaemonConfig.Booking,
        labelsDirectory: String, gates: CarrierGates = CarrierGates(), clock: any WallClock = SystemWallClock()
    ) throws {
        self.store = store
        self.panel = Mutex(Panel(adapters: adapters, sites: Self.index(sites), generation: 0))
        self.settings = settings
        self.labelsDirectory = labelsDirectory
        self.clock = clock
        self.gates = gates
        try FileManager.default.createDirectory(atPath: labelsDirectory, withIntermediateDirectories: true)
        gates.configure(Self.limits(adapters, settings: settings))
    }

    static func index(_ sites: [Site]) -> [String: Site] {
        Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each carrier's gate limits: its `[api]` table and the breaker settings of `[booking]`.
    public static func limits(_ adapters: [String: CarrierAdapter], settings: DaemonConfig.Booking) -> [String: CarrierGate.Limits] {
        adapters.mapValues { adapter in
            CarrierGate.Limits(
                maxInFlight: max(1, adapter.api.maxInFlight), ratePerSecond: adapter.api.ratePerSecond,
                breakerThreshold: settings.breakerThreshold, breakerOpen: .seconds(decimal: settings.breakerOpenSeconds))
        }
    }

    /// Puts a reloaded panel in force. Calls under way finish with the adapter they
    /// started with; breakers of carriers still in the panel keep their state.
    public func replace(adapters: [String: CarrierAdapter], sites: [Site]) {
        let sites = Self.index(sites)
        gates.configure(Self.limits(adapters, settings: settings))
        panel.withLock { $0 = Panel(adapters: adapters, sites: sites, generation: $0.generation + 1) }
    }

    var currentPanel: Panel { panel.withLock { $0 } }

    /// The adapter in force for `carrier`, for the other callers of carriers (cancels).
    public func adapter(for carrier: String) -> CarrierAdapter? { panel.withLock { $0.adapters[carrier] } }

    /// Each carrier's breaker, as `GET /v1/status` shows it.
    public func breakerStates() -> [String: CircuitBreaker.State] { gates.breakerStates() }

    public func breakerOpenings() -> [String: Int] { gates.breakerOpenings() }

    public var statistics: BookingStatistics { shared.withLock { $0 } }

    static func carriers(_ adapters: [String: CarrierAdapter]) -> [String: BookingLoop.Carrier] {
        adapters.mapValues { BookingLoop.Carrier(maxInFlight: max(1, $0.api.maxInFlight), canLookUp: $0.canLookUp) }
    }

    /// What the loop's child tasks report back: the loop's next event.
    typealias Event = BookingLoop.Event

    /// Runs until `shouldStop` says so, then stops claiming, drains the calls under way
    /// (each has a deadline), returns the shipments it had claimed but not called to the
    /// queue, commits, and returns.
    ///
    /// - Important: Cancellation is not a graceful stop: use `shouldStop`. A store error
    ///   ends the run with that error; the rows it left `booking` become `uncertain` at the
    ///   next start.
    public func run(pollMilliseconds: Int = 20, shouldStop: @escaping @Sendable () -> Bool) async throws {
        var current = currentPanel
        var loop = BookingLoop(
            settings: settings, carriers: Self.carriers(current.adapters), gates: gates, leaseRenewal: store.lease / 3,
            jitter: { Double.random(in: 0...1) })
        var metrics = BookingMetrics()
        try await withThrowingTaskGroup(of: Event.self) { group in
            var tickArmed = false
            var next: Event = .tick
            while true {
                var actions: [BookingLoop.Action] = []
                let replaced = currentPanel
                if replaced.generation != current.generation {
                    current = replaced
                    actions += loop.handle(.panelReplaced(Self.carriers(current.adapters)), now: clock.now())
                }
                if !loop.stopping && shouldStop() {
                    actions += loop.handle(.stop, now: clock.now())
                }
                actions += loop.handle(next, now: clock.now())
                if perform(actions, panel: current, group: &group) {
                    group.cancelAll()
                    return
                }
                if !tickArmed {
                    let delay = Duration.milliseconds(pollMilliseconds)
                    group.addTask {
                        try? await Task.sleep(for: delay)
                        return .tick
                    }
                    tickArmed = true
                }
                guard let event = try await group.next() else { continue }
                switch event {
                case .tick: tickArmed = false
                case .called(let call): metrics.called(carrier: call.job.carrier, duration: call.finishedAt - call.startedAt)
                case .committed(let outcomes, _): for outcome in outcomes { metrics.committed(outcome) }
                default: break
                }
                next = event
                let statistics = loop.statistics
                shared.withLock { $0 = statistics }
            }
        }
    }

    /// Starts each action as a child task. - Returns: whether the loop has finished.
    @discardableResult
    private func perform(_ actions: [BookingLoop.Action], panel: Panel, group: inout ThrowingTaskGroup<Event, any Error>) -> Bool {
        var done = false
        for action in actions {
            switch action {
            case .claim(let limits, let others):
                let store = self.store
                let at = clock.now()
                group.addTask {
                    let claimed = try await store.claim(limits: limits, othersLimit: others, now: at)
                    let jobs = try await store.bookingJobs(for: claimed)
                    var found: [String: Int] = [:]
                    for case let carrier? in claimed.map(\.carrier) { found[carrier, default: 0] += 1 }
                    return .claimed(jobs, BookingLoop.Claim(at: at, asked: limits, others: others, found: found))
                }
            case .call(let job, let pass, let claimedAt):
                guard let adapter = panel.adapters[job.carrier] else {
                    // The loop calls only carriers of the panel it was told of; a reload in
                    // between is reported as refused before sending.
                    let now = clock.now()
                    let call = BookingLoop.CallResult(
                        job: job, pass: pass, claimedAt: claimedAt, startedAt: now, finishedAt: now,
                        result: .failure(CarrierFailure(.transient, "carrier \(job.carrier) left the panel", refusedBeforeSending: true)))
                    group.addTask { .called(call) }
                    continue
                }
                let site = panel.sites[job.site]
                group.addTask { .called(await self.perform(job, adapter: adapter, site: site, pass: pass, claimedAt: claimedAt)) }
            case .commit(let batch, let openings, let labels, let latency):
                group.addTask {
                    var batch = batch
                    if !labels.isEmpty {
                        // File creation and syncfs block (ext4 can take a millisecond per file;
                        // syncfs until every label is on disk): off the cooperative pool, which
                        // has one thread per core, in one job for the whole group.
                        let written = try await NIOThreadPool.singleton.runIfActive { try self.writeLabels(labels) }
                        batch = Self.naming(batch, labels: written)
                    }
                    try await self.store.commit(batch, breakerOpenings: openings, now: self.clock.now())
                    return .committed(batch, latency: latency)
                }
            case .findUncertain(let carriers, let limit):
                let store = self.store
                let now = clock.now()
                group.addTask { .uncertainFound(try await store.uncertainDue(carriers: carriers, now: now, limit: limit)) }
            case .lookup(let shipment, let pass):
                guard let adapter = panel.adapters[shipment.carrier] else {
                    group.addTask { .lookedUp(shipment, .inconclusive("carrier left the panel"), pass: pass) }
                    continue
                }
                let now = clock.now()
                group.addTask { .lookedUp(shipment, await adapter.lookup(reference: shipment.id, now: now.secondsSinceEpoch), pass: pass) }
            case .reconcile(let shipment, let result, let retryAt):
                let store = self.store
                let now = clock.now()
                group.addTask {
                    try await store.reconcile(shipment, result: result, now: now, retryAt: retryAt)
                    return .reconcileRecorded(shipment, result)
                }
            case .renewClaims:
                let store = self.store
                let now = clock.now()
                group.addTask {
                    try await store.renewClaims(now: now)
                    return .claimsRenewed
                }
            case .finish:
                done = true
            }
        }
        return done
    }

    /// One call, in a child task: rebuild the shipment from its recorded orders, book it,
    /// write the label (flushed later, before the commit).
    func perform(_ job: BookingJob, adapter: CarrierAdapter, site: Site?, pass: CarrierGate.Pass, claimedAt: Instant) async
        -> BookingLoop.CallResult
    {
        let startedAt = clock.now()
        var call = BookingLoop.CallResult(
            job: job, pass: pass, claimedAt: claimedAt, startedAt: startedAt, finishedAt: startedAt,
            result: .failure(CarrierFailure(.transient, "not attempted")))
        guard let site else {
            call.result = .failure(CarrierFailure(.transient, "site '\(job.site)' is not in relais.toml", refusedBeforeSending: true))
            return call
        }
        let orders: [Order]
        do {
            orders = try job.orderBodies.map { body throws(RecordedOrderError) in try OrderDecoder.recorded(body) }
        } catch {
            call.result = .failure(CarrierFailure(.permanent, error.message, refusedBeforeSending: true))
            return call
        }
        guard !orders.isEmpty else {
            call.result = .failure(CarrierFailure(.permanent, "the shipment has no orders", refusedBeforeSending: true))
            return call
        }
        var shipment = Shipment(id: job.id, orders: orders, site: site)
        shipment.direction = job.direction
        let request = BookingRequest(reference: job.id, service: job.service, shipment: shipment, now: startedAt.secondsSinceEpoch)
        call.result = await adapter.book(request)
        call.finishedAt = clock.now()
        if case .success(let confirmation) = call.result {
            call.labelProblem = confirmation.labelProblem
            if let label = confirmation.label {
                call.label = BookingLoop.PendingLabel(shipment: job.id, format: confirmation.labelFormat, bytes: label)
            }
        }
        return call
    }
}
