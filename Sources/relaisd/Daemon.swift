import ArgumentParser
import Foundation
import RelaisAggregation
import RelaisBooking
import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisIntake
import RelaisRecords

/// The daemon's stages wired together: intake and aggregation in one loop, booking in
/// another, until SIGTERM or SIGINT.
enum Daemon {
    /// Hooks the demo adds to a normal run.
    struct Extras: Sendable {
        /// Called about every `progressSeconds` with the queue counts and booking statistics.
        var progress: (@Sendable ([ShipmentState: Int], BookingStatistics) -> Void)?
        var progressSeconds: Double = 3
        /// Called before each intake pass (the demo drops sample orders into the spool).
        var beforeIntake: (@Sendable (_ spool: String) -> Void)?
    }

    static func run(configFile: String, extras: Extras = Extras()) async throws {
        let loaded: ConfigurationSet
        let store: RecordStore
        let http: CarrierHTTP
        let adapters: [String: CarrierAdapter]
        do {
            loaded = try ConfigurationSet.load(configFile: configFile)
            let state = loaded.config.paths.state
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            store = try RecordStore(path: (state as NSString).appendingPathComponent("relais.sqlite"))
            http = CarrierHTTP(connectionsPerHost: CarrierAdapters.connectionsPerHost(loaded.panel))
            do {
                adapters = try CarrierAdapters.make(panel: loaded.panel, settings: loaded.config.booking, http: http)
            } catch {
                try? await http.shutdown()
                throw error
            }
        } catch {
            log(.error, "cannot start: \(error)")
            throw ExitCode(2)
        }
        let (settings, panel, policy) = (loaded.config, loaded.panel, loaded.policy)
        let stop = StopSignal()
        let recovered = try await store.recoverInterruptedBookings(now: Clock.millis())
        if !recovered.isEmpty {
            log(.warning, "\(recovered.count) shipments were booking at the last stop: now uncertain (\(recovered.prefix(5).joined(separator: ", "))\(recovered.count > 5 ? ", …" : ""))")
        }
        let intake = SpoolIntake(
            root: settings.paths.spool, store: store,
            decoder: OrderDecoder(knownSites: Set(settings.sites.map(\.id)), maxBytes: settings.intake.maxFileBytes))
        try intake.prepareDirectories()
        let aggregation = AggregationStage(
            store: store, engine: DecisionEngine(panel: panel.panel, policy: policy), sites: settings.sites,
            windowSeconds: Int64(settings.intake.consolidationWindowSeconds))
        let booking = try BookingStage(
            store: store, adapters: adapters, sites: settings.sites, settings: settings.booking,
            labelsDirectory: (settings.paths.state as NSString).appendingPathComponent("labels"))
        let target = settings.booking.sandboxURL.map { "sandbox \($0)" } ?? "carriers' own endpoints"
        log(.info, "started: policy \(policy.name) (sha256 \(policy.sha256.prefix(12))), \(panel.carriers.count) carriers (\(adapters.count) bookable, \(target)), spool \(settings.paths.spool)")

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // A booking stage error (the store refused a commit) ends the daemon: the
                    // rows it left `booking` become `uncertain` at the restart, never booked twice.
                    try await booking.run { stop.requested }
                }
                group.addTask {
                    await intakeLoop(intake: intake, aggregation: aggregation, spool: settings.paths.spool, stop: stop, extras: extras)
                }
                if let progress = extras.progress {
                    group.addTask {
                        while !stop.requested {
                            try? await Task.sleep(for: .seconds(extras.progressSeconds))
                            if let counts = try? await store.queueCounts() { progress(counts, booking.statistics) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            log(.error, "booking stopped: \(error)")
            try? await http.shutdown()
            throw ExitCode(1)
        }
        try? await http.shutdown()
        let statistics = booking.statistics
        log(.info, "stopped: \(statistics.booked) booked, \(statistics.deferred) deferred, \(statistics.uncertain) uncertain, \(statistics.failed) failed since start")
    }

    /// Intake and aggregation passes until stopped; a failed pass is logged and retried.
    static func intakeLoop(
        intake: SpoolIntake, aggregation: AggregationStage, spool: String, stop: StopSignal, extras: Extras
    ) async {
        var lastStuck = 0
        while !stop.requested {
            do {
                extras.beforeIntake?(spool)
                let report = try await intake.runOnce(now: Clock.millis())
                if report.files > 0 {
                    log(.info, "intake: \(report.files) files, \(report.accepted) orders accepted, \(report.duplicates) duplicates, \(report.rejectedOrders) rejected")
                }
                let aggregated = try await aggregation.runOnce(now: Clock.millis())
                if !aggregated.created.isEmpty { log(.info, "aggregation: \(aggregated.created.count) shipments decided") }
                if aggregated.stuck.count != lastStuck, let first = aggregated.stuck.first {
                    log(.warning, "aggregation: \(aggregated.stuck.count) orders wait: \(first.orderID): \(first.reason)")
                }
                lastStuck = aggregated.stuck.count
                if report.files == 0 && aggregated.created.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
            } catch {
                // A full disk or a locked database must not end the daemon: log, wait, retry.
                log(.error, "pass failed, retrying in 1 s: \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
