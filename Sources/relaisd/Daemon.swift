import ArgumentParser
import Foundation
import Logging
import Metrics
import PostgresNIO
import Prometheus
import RelaisAggregation
import RelaisCommands
import RelaisBooking
import RelaisCarriers
import RelaisConfig
import RelaisControl
import RelaisControlAPI
import RelaisCore
import RelaisIntake
import RelaisOrders
import RelaisOutbox
import RelaisPostgres
import RelaisRecords
import RelaisStore
import RelaisSystemd
import RelaisTracking
import ServiceLifecycle
import Synchronization

/// relaisd's parts wired together under one service group (swift-service-lifecycle):
/// the control API, the outbox's delivery, booking, intake with aggregation, the SIGHUP
/// reload, and the systemd status line.
///
/// Start-up order, and why: configuration (refuse to start on a bad file); the control
/// socket claimed (refuse if another daemon answers there: two daemons must not share a
/// SQLite database; on PostgreSQL, nodes share one with their own sockets); the database
/// opened and migrated; `booking` rows made `uncertain`
/// (recovery); then the services, and `READY=1` once the socket is bound.
///
/// Graceful stop (SIGTERM, SIGINT): services stop in reverse order: the status line says
/// `STOPPING=1`, intake stops taking files, booking stops claiming and drains its calls
/// (each has a deadline), and the control socket answers until the end. The drain is
/// bounded by ``maximumDrain``; after it, calls are cancelled and their rows become
/// `uncertain` at the next start, never booked twice.
enum Daemon {
    /// Hooks the demo adds to a normal run.
    struct Extras: Sendable {
        /// Called about every `progressSeconds` with the one-line status.
        var progress: (@Sendable (String, BookingStatistics) -> Void)?
        var progressSeconds: Double = 3
        /// Called before each intake pass (the demo drops sample orders into the spool).
        var beforeIntake: (@Sendable (_ spool: String) -> Void)?
    }

    static let maximumDrain = Duration.seconds(30)

    static func run(configFile: String, extras: Extras = Extras()) async throws {
        let logger = Logger(label: "relaisd")
        let environment = ProcessInfo.processInfo.environment
        let notifier = SystemdNotifier(environment: environment)
        let loaded: ConfigurationSet
        let store: any DaemonStore
        var postgres: PostgresClient?
        let http: CarrierHTTP
        let adapters: [String: CarrierAdapter]
        let unavailable: [String: String]
        do {
            loaded = try ConfigurationSet.load(configFile: configFile)
            try ControlServer.claimSocket(path: loaded.config.paths.socket)
            let state = loaded.config.paths.state
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            if let shared = loaded.config.store {
                let node = shared.node ?? RecordStore.hostName()
                let client = try StoreClient.make(
                    shared, config: loaded.config, environment: environment, applicationName: "relaisd \(node)")
                postgres = client
                store = PostgresStore(client: client, node: node, lease: .seconds(shared.leaseSeconds))
            } else {
                store = try RecordStore(path: loaded.config.databaseFile)
            }
            http = CarrierHTTP(connectionsPerHost: CarrierAdapters.connectionsPerHost(loaded.panel))
            // One carrier's unreadable credentials make that carrier unavailable, not the daemon.
            let built = CarrierAdapters.make(panel: loaded.panel, settings: loaded.config.booking, http: http)
            adapters = built.adapters
            unavailable = built.unavailable
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
        let sharedStore = store as? PostgresStore
        try await withStoreClient(postgres) {
            if let sharedStore {
                do {
                    try await sharedStore.migrate()
                    logger.info("store: PostgreSQL, node \(sharedStore.node), lease \(sharedStore.lease)")
                } catch {
                    logger.critical("cannot start: PostgreSQL: \(Self.describe(error))")
                    try? await http.shutdown()
                    throw ExitCode(2)
                }
            }
            try await serve(
                configFile: configFile, extras: extras, logger: logger, environment: environment, notifier: notifier, loaded: loaded,
                store: store, http: http, adapters: adapters, unavailable: unavailable)
        }
    }

    /// The PostgreSQL client runs beside the service group, not in it: the store must
    /// answer before the services start (migrations, recovery) and until the last one has
    /// stopped (booking's drain commits its outcomes). It is cancelled once the group is done.
    static func withStoreClient(_ client: PostgresClient?, _ body: () async throws -> Void) async throws {
        guard let client else { return try await body() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body()
        }
    }

    /// Recovery, then the services under one group until a graceful stop.
    static func serve(
        configFile: String, extras: Extras, logger: Logger, environment: [String: String], notifier: SystemdNotifier,
        loaded: ConfigurationSet, store: any DaemonStore, http: CarrierHTTP, adapters: [String: CarrierAdapter],
        unavailable: [String: String]
    ) async throws {
        let settings = loaded.config
        for (carrier, reason) in unavailable.sorted(by: { $0.key < $1.key }) {
            logger.error(
                "carrier \(carrier) unavailable: its shipments go to the next candidate: \(reason)",
                metadata: ["relais.carrier": "\(carrier)"])
        }
        let availability = CarrierAvailability(unavailable)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(metricsFactory(registry))

        // The outbox's endpoints are put in force before recovery: the shipments it makes
        // uncertain are announced like any other.
        var outbox: (setup: OutboxSetup, log: any OutboxLog)?
        do {
            if let log = store as? any OutboxLog {
                let trackingURLs = Dictionary(
                    loaded.panel.carriers.compactMap { loaded in loaded.trackingURL.map { (loaded.carrier.id, $0) } },
                    uniquingKeysWith: { first, _ in first })
                outbox = (try await OutboxSetup.make(config: settings, trackingURLs: trackingURLs, store: log), log)
            } else if settings.outbox.spool || !settings.webhooks.isEmpty {
                throw OutboxSetupError(reason: "[outbox] and [[webhook]]: this store keeps no outbox")
            }
        } catch {
            logger.critical("cannot start: outbox: \(Self.describe(error))")
            try? await http.shutdown()
            throw ExitCode(2)
        }
        let clock = SystemWallClock()
        let recovered = try await store.recoverInterruptedBookings(now: clock.now())
        if !recovered.isEmpty {
            logger.warning(
                "\(recovered.count) shipments were booking at the last stop: now uncertain (\(recovered.prefix(5).joined(separator: ", "))\(recovered.count > 5 ? ", …" : ""))")
        }
        let intake = SpoolIntake(
            root: settings.paths.spool, store: store,
            decoder: OrderDecoder(knownSites: Set(settings.sites.map(\.id)), maxBytes: settings.intake.maxFileBytes))
        try intake.prepareDirectories()
        // One gate per carrier for every loop that calls it: booking first, tracking after.
        let gates = CarrierGates()
        let booking = try BookingStage(
            store: store, adapters: adapters, sites: settings.sites, settings: settings.booking,
            labelsDirectory: (settings.paths.state as NSString).appendingPathComponent("labels"), gates: gates,
            clock: clock)
        // Cancels (SPEC §14) where the store keeps them: through the booking stage's gates and adapters.
        let cancelLedger = store as? any CancelLedger
        let canceller = cancelLedger.map { ledger in
            ShipmentCanceller(store: ledger, gates: booking.gates, adapter: { booking.adapter(for: $0) }, clock: clock)
        }
        // Manifests (SPEC §14) where the store keeps them: the schedule from the configuration in
        // force, read from the daemon's state once it exists (a reload replaces it).
        let inForce = ConfigurationReference()
        var manifestCloser: ManifestCloser?
        if let ledger = store as? any ManifestLedger {
            manifestCloser = try ManifestCloser(
                store: ledger, gates: booking.gates, adapter: { booking.adapter(for: $0) },
                place: { carrier, site in
                    Self.manifestPlace(carrier: carrier, site: site, in: inForce.current ?? loaded)
                },
                directory: (settings.paths.state as NSString).appendingPathComponent("manifests"), clock: clock,
                callBudget: (store as? PostgresStore).map { $0.lease * 5 / 6 })
        }
        var closeManifest: (@Sendable (String, String) async throws -> ManifestRecord)?
        if let manifestCloser {
            closeManifest = { carrier, site in
                do {
                    return try await manifestCloser.close(carrier: carrier, site: site)
                } catch let unfinished as ManifestCloser.Unfinished {
                    throw ControlError.unavailable(unfinished.description)
                }
            }
        }
        var cancel: (@Sendable (String, Actor) async throws -> CancelEnd)?
        if let canceller {
            cancel = { id, actor in try await canceller.cancel(id, actor: actor) }
        }
        if let cancelLedger {
            let pending = try await cancelLedger.recoverInterruptedCancels(now: clock.now())
            if pending > 0 { logger.warning("\(pending) cancels are pending at their carriers: asked again now") }
        }
        // Tracking needs a store that answers TrackingLog (SQLite and PostgreSQL do).
        var tracking: TrackingStage?
        if !settings.tracking.enabled {
            logger.notice("tracking: off ([tracking] enabled = false)")
        } else if let log = store as? any TrackingLog {
            let stage = TrackingStage(
                store: log, adapters: adapters, panel: loaded.panel.panel, sites: settings.sites, settings: settings.tracking,
                gates: gates, clock: clock, logger: logger)
            tracking = stage
            logger.info(
                "tracking: \(stage.trackedCarriers.isEmpty ? "no carrier has [api.track]" : stage.trackedCarriers.joined(separator: ", ")), every \(settings.tracking.everySeconds / 60) min")
        } else {
            logger.warning("tracking: off: this store keeps no tracking; shipments are not polled")
        }
        let reloader = Reloader(
            configFile: configFile, started: settings, http: http, booking: booking, tracking: tracking, availability: availability,
            notifier: notifier, logger: logger)
        let state = DaemonState(
            store: store, configuration: loaded, version: RelaisVersion.current,
            permission: WritePermission(operatorGroup: settings.control.operatorGroup),
            metrics: ControlMetrics(registry: registry), clock: Clock.millis,
            carriers: {
                DaemonState.CarrierView(
                    breakers: booking.breakerStates(), openings: booking.breakerOpenings(), unavailable: availability.unavailable)
            },
            reload: { state, actor in await reloader.reload(into: state, by: actor) },
            cancel: cancel, closeManifest: closeManifest)
        inForce.bind(state)
        let watchdog = Watchdog(
            notifier: notifier, environment: environment,
            loops: Set([IntakeService.name, BookingService.name] + (tracking == nil ? [] : [TrackingService.name])))

        let target = settings.booking.sandboxURL.map { "sandbox \($0)" } ?? "carriers' own endpoints"
        let readyLine =
            "ready: policy \(loaded.policy.name) (sha256 \(loaded.policy.sha256.prefix(12))), \(loaded.panel.carriers.count) carriers (\(adapters.count) bookable\(unavailable.isEmpty ? "" : ", \(unavailable.count) unavailable"), \(target)), spool \(settings.paths.spool), socket \(settings.paths.socket)\(watchdog.isEnabled ? ", watchdog on" : "")"
        let onReady: @Sendable () async -> Void = {
            let status = await state.statusLine()
            notifier.ready(status: status)
            logger.info("\(readyLine)")
        }
        let control = ControlServer(socketPath: settings.paths.socket, state: state, logger: logger, onReady: onReady)
        let progress: (@Sendable (String) -> Void)? = extras.progress.map { progress in
            { @Sendable line in progress(line, booking.statistics) }
        }
        let status = StatusService(
            state: state, notifier: notifier, logger: logger, progress: progress,
            interval: .milliseconds(Int64(extras.progressSeconds * 1000)))
        let intakeService = IntakeService(
            intake: intake, state: state, watchdog: watchdog, logger: logger, beforeIntake: extras.beforeIntake)
        // Listed in start order; a graceful stop goes through them in reverse.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: control, serviceName: "control"),
            .init(
                service: BookingService(
                    booking: booking, store: store, state: state, watchdog: watchdog, logger: logger, clock: clock),
                serviceName: BookingService.name),
            .init(service: intakeService, serviceName: IntakeService.name),
            .init(service: ReloadService(state: state), serviceName: "reload"),
            .init(service: status, serviceName: "status"),
        ]
        if let outbox {
            services.insert(
                .init(
                    service: OutboxService(
                        store: outbox.log, endpoints: outbox.setup.endpoints, clock: Clock.millis, logger: logger,
                        claimLease: Self.outboxClaimLease(store: store, webhooks: settings.webhooks)),
                    serviceName: "outbox"),
                at: 1)
        }
        if let manifestCloser {
            services.append(
                .init(service: ManifestService(closer: manifestCloser, every: .seconds(30), logger: logger), serviceName: ManifestService.name))
        }
        if let canceller {
            services.append(
                .init(service: CancelService(canceller: canceller, every: canceller.retryEvery, logger: logger), serviceName: CancelService.name))
        } else {
            logger.notice("cancels are not available on this store: their route answers 501")
        }
        if let tracking {
            // Late in the list: a graceful stop ends tracking before booking drains.
            services.append(
                .init(service: TrackingService(tracking: tracking, watchdog: watchdog, logger: logger), serviceName: TrackingService.name))
        }
        if let shared = store as? PostgresStore {
            // Another node's claims whose lease expired are taken over while this one runs.
            services.append(.init(service: TakeoverService(store: shared, clock: clock, logger: logger), serviceName: TakeoverService.name))
        }
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = maximumDrain
        configuration.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            // A booking stage error (the store refused a commit) ends the daemon: the rows
            // it left `booking` become `uncertain` at the restart, never booked twice.
            logger.error("stopped on error: \(Self.describe(error))")
            try? await http.shutdown()
            try? await outbox?.setup.client?.shutdown()
            throw ExitCode(1)
        }
        try? await http.shutdown()
        try? await outbox?.setup.client?.shutdown()
        let statistics = booking.statistics
        logger.info(
            "stopped: \(statistics.booked) booked, \(statistics.deferred) deferred, \(statistics.uncertain) uncertain, \(statistics.failed) failed since start")
    }

    /// On a store several nodes share, how long a node's outbox claim holds: the node's own
    /// lease, and at least twice the slowest webhook's deadline (an attempt and its result's
    /// group commit). Nil on a store of one node, whose outbox looks are reads.
    static func outboxClaimLease(store: any DaemonStore, webhooks: [WebhookSettings]) -> Duration? {
        guard let shared = store as? PostgresStore else { return nil }
        let slowest = webhooks.map(\.timeoutSeconds).max() ?? 0
        return max(shared.lease, .seconds(2 * slowest + 5))
    }

    /// An error as the journal gets it (a PostgreSQL error by code, SQLSTATE and message,
    /// never with the query's values).
    static func describe(_ error: any Error) -> String { PostgresStore.describe(error) }

    /// swift-metrics into the Prometheus registry `/metrics` serves; durations in buckets
    /// that fit carrier calls (tens of milliseconds to the 30 s deadline) and decisions.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["relais_carrier_call_seconds"] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.durationHistogramBuckets["relais_decision_seconds"] = [
            .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100),
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(5),
        ]
        return factory
    }
}

extension Daemon {
    /// Where `carrier` collects at `site`: its services that may leave from the site, their
    /// day's close times, and the site's time zone; nil when the pair is not in the panel.
    static func manifestPlace(carrier: String, site: String, in configuration: ConfigurationSet) -> ManifestCloser.Place? {
        guard let origin = configuration.config.sites.first(where: { $0.id == site }),
            let loaded = configuration.panel.carriers.first(where: { $0.carrier.id == carrier })
        else { return nil }
        let services = loaded.carrier.services.filter { $0.collects(from: origin) }
        guard !services.isEmpty else { return nil }
        return ManifestCloser.Place(schedule: ManifestSchedule(services: services, siteCutoff: origin.cutoff), timeZone: origin.timeZone)
    }
}

/// The daemon's state, once made, for the services built before it (manifests read the
/// configuration in force through it).
final class ConfigurationReference: Sendable {
    private let state = Mutex<DaemonState?>(nil)

    func bind(_ state: DaemonState) { self.state.withLock { $0 = state } }

    /// The configuration in force; nil before ``bind(_:)``.
    var current: ConfigurationSet? { state.withLock { $0?.running.configuration } }
}
