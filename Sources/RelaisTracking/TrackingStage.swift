import Logging
import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisStore
import Synchronization

/// Polls booked shipments at their carriers (SPEC §13), one bounded pass at a time.
///
/// A pass takes, carrier by carrier, at most `batch` shipments due at that carrier, asks
/// the carrier's shared gate for each call at ``CarrierGate/Priority/background`` (booking
/// goes first: a refused admission ends the carrier's turn, its shipments stay due), calls
/// the carriers concurrently, and records every result in one store transaction: events,
/// status changes with their outbox events, next polls. Work per pass is bounded by the
/// batch and the carriers' gates, however many shipments are tracked.
///
/// - Important: Nothing is remembered between passes but the store: a crash (kill -9)
///   loses at most the calls of the pass under way, which are made again; events are
///   de-duplicated and the status only moves forward, so nothing is announced twice.
public final class TrackingStage: Sendable {
    /// What a pass did, for logs and tests.
    public struct PassReport: Hashable, Sendable {
        public var polled = 0
        public var skipped = 0
        public var failed = 0
        /// Shipments left due because their carrier's gate refused (booking first, full,
        /// breaker open, rate).
        public var deferredByGate = 0
        /// Carriers that had a whole batch due: more of theirs may be due now.
        public var fullBatches = 0
        public var changes: [TrackingChange] = []
        /// Events whose time the carrier's format could not read.
        public var unreadableEvents = 0

        public init() {}
    }

    /// The carriers, services and sites in force; a reload replaces them.
    struct Panel: Sendable {
        var adapters: [String: CarrierAdapter]
        var carriers: [String: Carrier]
        var sites: [String: Site]
    }

    let store: any TrackingLog
    let gates: CarrierGates
    let clock: any WallClock
    let settings: DaemonConfig.Tracking
    let logger: Logger
    private let panel: Mutex<Panel>

    public init(
        store: any TrackingLog, adapters: [String: CarrierAdapter], panel: CarrierPanel, sites: [Site], settings: DaemonConfig.Tracking,
        gates: CarrierGates, clock: any WallClock, logger: Logger = Logger(label: "relais.tracking")
    ) {
        self.store = store
        self.gates = gates
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.panel = Mutex(Self.panel(adapters: adapters, panel: panel, sites: sites))
    }

    /// Puts a reloaded panel in force at the next pass.
    public func replace(adapters: [String: CarrierAdapter], panel: CarrierPanel, sites: [Site]) {
        let next = Self.panel(adapters: adapters, panel: panel, sites: sites)
        self.panel.withLock { $0 = next }
    }

    static func panel(adapters: [String: CarrierAdapter], panel: CarrierPanel, sites: [Site]) -> Panel {
        Panel(
            adapters: adapters.filter { $0.value.canTrack },
            carriers: Dictionary(panel.carriers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            sites: Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The carriers that can be tracked now, by id.
    public var trackedCarriers: [String] { panel.withLock { $0.adapters.keys.sorted() } }

    /// One pass over every trackable carrier.
    public func pass() async throws -> PassReport {
        let current = panel.withLock { $0 }
        let schedule = settings.schedule
        var report = PassReport()
        var polls: [TrackingPoll] = []
        for carrier in current.adapters.keys.sorted() {
            guard let adapter = current.adapters[carrier] else { continue }
            let now = clock.now()
            let due = try await store.dueTracking(carrier: carrier, now: now, limit: settings.batch)
            if due.count >= settings.batch { report.fullBatches += 1 }
            var waiting: [(TrackedShipment, Instant)] = []
            for shipment in due {
                let pickup = pickupStart(shipment, panel: current)
                guard schedule.mayPoll(now: now, pickup: pickup, bookedAt: shipment.bookedAt) else {
                    polls.append(TrackingPoll(shipmentID: shipment.shipmentID, outcome: .skipped, pickup: pickup, bookedAt: shipment.bookedAt))
                    report.skipped += 1
                    continue
                }
                waiting.append((shipment, pickup))
            }
            let (carrierPolls, carrierReport) = await call(carrier, adapter: adapter, waiting)
            polls += carrierPolls
            report.polled += carrierReport.polled
            report.failed += carrierReport.failed
            report.deferredByGate += carrierReport.deferredByGate
            report.unreadableEvents += carrierReport.unreadableEvents
        }
        report.changes = try await store.recordTracking(polls, schedule: schedule, now: clock.now())
        if report.unreadableEvents > 0 {
            logger.warning("tracking: \(report.unreadableEvents) events with a time their carrier's time_format cannot read were skipped")
        }
        return report
    }

    /// Calls `carrier` for each shipment, as many at once as its gate admits: when every
    /// slot left to background calls is taken, the next waits for one to finish; any other
    /// refusal (booking waiting, breaker open, rate limit) ends the carrier's turn, and the
    /// shipments not called stay due for the next pass.
    private func call(_ carrier: String, adapter: CarrierAdapter, _ waiting: [(TrackedShipment, Instant)]) async
        -> ([TrackingPoll], PassReport)
    {
        typealias Finished = (TrackedShipment, CarrierGate.Pass, Instant, Result<TrackReply, CarrierFailure>)
        var polls: [TrackingPoll] = []
        var report = PassReport()
        func record(_ finished: Finished) {
            let (shipment, pass, pickup, result) = finished
            let now = clock.now()
            switch result {
            case .success(let reply):
                gates.finished(carrier, pass, outcome: .answered, now: now)
                polls.append(
                    TrackingPoll(shipmentID: shipment.shipmentID, outcome: .events(reply.events), pickup: pickup, bookedAt: shipment.bookedAt))
                report.polled += 1
                report.unreadableEvents += reply.unreadable
            case .failure(let failure):
                // A refusal of this one parcel says the carrier is up; a transient failure does not.
                let outcome: CarrierGate.Outcome =
                    failure.refusedBeforeSending ? .notSent : failure.failureClass == .permanent ? .answered : .failed
                gates.finished(carrier, pass, outcome: outcome, now: now)
                polls.append(
                    TrackingPoll(
                        shipmentID: shipment.shipmentID, outcome: .failed(failure.description), pickup: pickup, bookedAt: shipment.bookedAt))
                report.failed += 1
            }
        }
        await withTaskGroup(of: Finished.self) { group in
            var running = 0
            var index = 0
            admitting: while index < waiting.count {
                let (shipment, pickup) = waiting[index]
                switch gates.admit(carrier, .background, now: clock.now()) {
                case .admitted(let pass)?:
                    group.addTask {
                        (shipment, pass, pickup, await adapter.track(trackingNumber: shipment.trackingNumber, now: self.clock.now()))
                    }
                    running += 1
                    index += 1
                case .refused(.full)? where running > 0:
                    guard let finished = await group.next() else { break admitting }
                    running -= 1
                    record(finished)
                default:
                    break admitting
                }
            }
            report.deferredByGate = waiting.count - index
            for await finished in group { record(finished) }
        }
        return (polls, report)
    }

    /// The start of the shipment's pickup date, as its decision fixed it: the service's
    /// first pickup day at or after its orders' ready time (cutoff, pickup days and
    /// holidays), at the site's midnight. A shipment booked after that date is due from its
    /// booking anyway. Without the service or the site (a reload removed them), the
    /// booking time.
    func pickupStart(_ shipment: TrackedShipment, panel: Panel) -> Instant {
        guard let site = panel.sites[shipment.site],
            let service = panel.carriers[shipment.carrier]?.services.first(where: { $0.code == shipment.service })
        else { return shipment.bookedAt }
        let from = shipment.readyAt
        let day = service.pickupDate(ready: LocalTime(instant: from.secondsSinceEpoch, in: site.timeZone), siteCutoff: site.cutoff)
        return Instant(secondsSinceEpoch: day.midnight(in: site.timeZone))
    }
}
