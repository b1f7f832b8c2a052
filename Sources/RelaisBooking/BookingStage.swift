import CRelaisSystem
import Foundation
import NIOPosix
import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisIntake
import RelaisRecords
import Synchronization

/// The booking stage (Postfix's `qmgr` + `smtp`): claims due shipments, calls their carrier,
/// and records what happened (SPEC §2, §9).
///
/// Rules, and why:
/// 1. **Never booked twice.** A shipment moves to another candidate only when the first is
///    known not to have booked (a permanent refusal, a transient failure, a breaker that
///    refused the call). An unknown outcome makes it `uncertain`; only a lookup by our
///    reference, or an operator, takes it out.
/// 2. **Nothing acknowledged before it is on disk.** Outcomes are committed in groups (one
///    fsync per group, not per booking); label files are flushed before the commit names
///    them. A crash between a carrier's reply and the commit leaves the row `booking`,
///    which start-up turns `uncertain`.
/// 3. **Bounded.** Per carrier: `max_in_flight` calls, a rate limit, a circuit breaker, a
///    deadline on every call. Shipments are claimed per carrier, a little ahead of its
///    capacity, so that few sit in `booking` without a call under way.
///
/// One loop owns all mutable state (breakers, queues, the outcome buffer); carrier calls
/// run as child tasks of its task group and report back to it.
public final class BookingStage: Sendable {
    let store: RecordStore
    let settings: DaemonConfig.Booking
    /// Where labels are written: `<state>/labels`.
    public let labelsDirectory: String
    let clock: @Sendable () -> Int64
    private let shared = Mutex(Shared())

    private struct Shared {
        var breakers: [String: CircuitBreaker] = [:]
        var statistics = BookingStatistics()
    }

    /// The carriers and sites in force; a reload replaces them (``replace(adapters:sites:)``)
    /// and the loop adopts them at its next turn.
    struct Panel: Sendable {
        var adapters: [String: CarrierAdapter]
        var sites: [String: Site]
        var generation: Int
    }

    private let panel: Mutex<Panel>

    /// - Parameter clock: milliseconds since the Unix epoch.
    public init(
        store: RecordStore, adapters: [String: CarrierAdapter], sites: [Site], settings: DaemonConfig.Booking,
        labelsDirectory: String, clock: @escaping @Sendable () -> Int64 = BookingStage.systemClock
    ) throws {
        self.store = store
        self.panel = Mutex(Panel(adapters: adapters, sites: Self.index(sites), generation: 0))
        self.settings = settings
        self.labelsDirectory = labelsDirectory
        self.clock = clock
        try FileManager.default.createDirectory(atPath: labelsDirectory, withIntermediateDirectories: true)
        let breakers = freshBreakers(for: adapters.keys)
        shared.withLock { $0.breakers = breakers }
    }

    static func index(_ sites: [Site]) -> [String: Site] {
        Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Puts a reloaded panel in force. Calls under way finish with the adapter they
    /// started with; breakers of carriers still in the panel keep their state.
    public func replace(adapters: [String: CarrierAdapter], sites: [Site]) {
        let sites = Self.index(sites)
        panel.withLock { $0 = Panel(adapters: adapters, sites: sites, generation: $0.generation + 1) }
    }

    var currentPanel: Panel { panel.withLock { $0 } }

    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Each carrier's breaker, as `GET /v1/status` shows it.
    public func breakerStates() -> [String: CircuitBreaker.State] {
        shared.withLock { $0.breakers.mapValues(\.state) }
    }

    public func breakerOpenings() -> [String: Int] {
        shared.withLock { $0.breakers.mapValues(\.openings) }
    }

    public var statistics: BookingStatistics { shared.withLock { $0.statistics } }

    /// Runs until `shouldStop` says so, then stops claiming, drains the calls under way
    /// (each has a deadline), returns the shipments it had claimed but not called to the
    /// queue, commits, and returns.
    ///
    /// - Important: Cancellation is not a graceful stop: use `shouldStop`. A store error
    ///   ends the run with that error; the rows it left `booking` become `uncertain` at the
    ///   next start.
    public func run(pollMilliseconds: Int = 20, shouldStop: @escaping @Sendable () -> Bool) async throws {
        var loop = Dispatcher(stage: self)
        try await withThrowingTaskGroup(of: Event.self) { group in
            var tickArmed = false
            var stopping = false
            while true {
                let now = clock()
                loop.adoptPanelIfReplaced()
                if !stopping && shouldStop() {
                    stopping = true
                    loop.returnWaiting(now: now)
                }
                if !stopping {
                    loop.claimIfNeeded(now: now, group: &group)
                    try await loop.reconcileIfDue(now: now, group: &group)
                }
                loop.startCalls(now: now, group: &group)
                if loop.shouldFlush(now: now, stopping: stopping) { loop.flush(now: now, group: &group) }
                if stopping && loop.idle {
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
                case .tick:
                    tickArmed = false
                case .called(let call):
                    loop.metrics.called(carrier: call.job.carrier, milliseconds: call.finishedAt - call.startedAt)
                    loop.finished(call, now: clock())
                case .lookedUp(let shipment, let result):
                    try await loop.reconciled(shipment, result: result, now: clock())
                case .claimed(let jobs, let claim):
                    loop.claimed(jobs, claim, now: clock())
                case .committed(let outcomes, let latency):
                    loop.committed(outcomes, latency: latency)
                }
                publish(loop)
            }
        }
    }

    private func publish(_ loop: Dispatcher) {
        shared.withLock {
            $0.breakers = loop.breakers
            $0.statistics = loop.statistics
        }
    }

    /// What the loop's child tasks report. Carrier calls, claims and commits all run as
    /// child tasks, so that an fsync never holds up the handling of replies.
    enum Event: Sendable {
        case tick
        case called(CallResult)
        case lookedUp(UncertainShipment, LookupResult)
        case claimed([BookingJob], Claim)
        case committed([BookingOutcome], latency: Int64)
    }

    /// What one claim asked for and found, per carrier.
    struct Claim: Sendable {
        var at: Int64
        /// Per panel carrier, how many were asked for (0: not asked this time).
        var asked: [String: Int]
        /// How many were asked for carriers outside the panel.
        var others: Int
        var found: [String: Int]
    }

    struct CallResult: Sendable {
        var job: BookingJob
        var probe: Bool
        var claimedAt: Int64
        var startedAt: Int64
        var finishedAt: Int64
        var result: Result<BookingConfirmation, CarrierFailure>
        var labelPath: String?
        var labelProblem: String?
    }

    /// One call, in a child task: rebuild the shipment from its recorded orders, book it,
    /// write the label (flushed later, before the commit).
    func perform(_ job: BookingJob, adapter: CarrierAdapter, site: Site?, probe: Bool, claimedAt: Int64) async -> CallResult {
        let startedAt = clock()
        var call = CallResult(
            job: job, probe: probe, claimedAt: claimedAt, startedAt: startedAt, finishedAt: startedAt,
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
        let shipment = Shipment(id: job.id, orders: orders, site: site)
        let request = BookingRequest(reference: job.id, service: job.service, shipment: shipment, now: startedAt / 1000)
        call.result = await adapter.book(request)
        call.finishedAt = clock()
        if case .success(let confirmation) = call.result {
            call.labelProblem = confirmation.labelProblem
            if let label = confirmation.label {
                do {
                    // File creation blocks (ext4 can take a millisecond per file): off the
                    // cooperative pool, which has one thread per core.
                    let format = confirmation.labelFormat
                    call.labelPath = try await NIOThreadPool.singleton.runIfActive {
                        try self.writeLabel(label, shipment: job.id, format: format)
                    }
                } catch {
                    call.labelProblem = "label not written: \(error)"
                }
            }
        }
        return call
    }

    /// Writes `<labels>/<id>.<format>` by rename, so a reader never sees half a label.
    ///
    /// Not flushed here: ``syncLabels()`` flushes the file system once per commit group,
    /// before the commit names the file. (Foundation's `Data.write` fsyncs every file, which
    /// cost more than the rest of the booking.)
    func writeLabel(_ bytes: [UInt8], shipment: String, format: String) throws(LabelWriteError) -> String {
        let path = (labelsDirectory as NSString).appendingPathComponent("\(shipment).\(format)")
        let temporary = (labelsDirectory as NSString).appendingPathComponent(".\(shipment).\(format).tmp")
        func failed(_ step: String, _ code: Int32) -> LabelWriteError {
            unlink(temporary)
            return LabelWriteError(path: path, step: step, code: code)
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LabelWriteError(path: temporary, step: "create", code: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let code = count < 0 ? errno : EIO
                close(fd)
                throw failed("write", code)
            }
            written += count
        }
        guard close(fd) == 0 else { throw failed("write", errno) }
        guard rename(temporary, path) == 0 else { throw failed("rename", errno) }
        return path
    }

    /// Flushes every file of the labels' file system: one call per commit group instead of
    /// an fsync per label.
    func syncLabels() throws {
        let fd = open(labelsDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        guard relais_syncfs(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}

/// A label file that could not be written, naming the file and the system's reason.
struct LabelWriteError: Error, CustomStringConvertible {
    var path: String
    var step: String
    var code: Int32
    var description: String { "\(step) \(path): \(String(cString: strerror(code)))" }
}
