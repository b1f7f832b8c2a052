import Foundation
import Logging
import RelaisBooking
import RelaisTracking
import RelaisCarriers
import RelaisConfig
import RelaisControl
import RelaisRecords
import RelaisStore
import RelaisSystemd

/// Reloads carriers and policies all or nothing (SIGHUP, `POST /v1/reload`).
///
/// The whole set (relais.toml, the panel, the active policy, carrier credentials) is
/// loaded and validated first; only when every file is good does it replace the set in
/// force: the decision engine, the booking adapters and sites. A bad file keeps the old
/// set and is reported with file:line. systemd hears `RELOADING=1` with `MONOTONIC_USEC`,
/// then `READY=1` either way.
///
/// An actor: two reloads (a signal and an API call) must not interleave.
actor Reloader {
    let configFile: String
    /// relais.toml as the daemon started: paths, `[booking]` and `[control]` apply only at
    /// a restart.
    let started: DaemonConfig
    let http: CarrierHTTP
    let booking: BookingStage
    let tracking: TrackingStage?
    let availability: CarrierAvailability
    let notifier: SystemdNotifier
    let logger: Logger

    init(
        configFile: String, started: DaemonConfig, http: CarrierHTTP, booking: BookingStage, tracking: TrackingStage?,
        availability: CarrierAvailability,
        notifier: SystemdNotifier, logger: Logger
    ) {
        self.configFile = configFile
        self.started = started
        self.http = http
        self.booking = booking
        self.tracking = tracking
        self.availability = availability
        self.notifier = notifier
        self.logger = logger
    }

    func reload(into state: DaemonState, by actor: Actor) async -> DaemonState.ReloadOutcome {
        notifier.reloading()
        let who = actor.uid.map { "uid \($0)" } ?? actor.name
        let outcome: DaemonState.ReloadOutcome
        do {
            let loaded = try ConfigurationSet.load(configFile: configFile)
            // As at the start: a carrier whose credentials cannot be read is unavailable, the
            // rest of the set applies.
            let built = CarrierAdapters.make(panel: loaded.panel, settings: started.booking, http: http)
            booking.replace(adapters: built.adapters, sites: loaded.config.sites)
            tracking?.replace(adapters: built.adapters, panel: loaded.panel.panel, sites: loaded.config.sites)
            availability.replace(built.unavailable)
            state.install(loaded)
            for (carrier, reason) in built.unavailable.sorted(by: { $0.key < $1.key }) {
                logger.error("reload: carrier \(carrier) unavailable: \(reason)", metadata: ["relais.carrier": "\(carrier)"])
            }
            let restart = Self.needsRestart(started, loaded.config)
            outcome = .init(applied: true, needsRestart: restart)
            logger.notice(
                "reload by \(who): applied: policy \(loaded.policy.name) (sha256 \(loaded.policy.sha256.prefix(12))), \(loaded.panel.carriers.count) carriers\(restart.isEmpty ? "" : "; needs a restart to apply: \(restart.joined(separator: ", "))")",
                metadata: actor.uid.map { ["relais.uid": "\($0)"] } ?? [:])
        } catch {
            let problems = error.diagnostics.map(\.description)
            outcome = .init(applied: false, problems: problems)
            logger.error("reload by \(who): refused, the previous configuration stays in force")
            for problem in problems { logger.error("reload: \(problem)") }
        }
        try? await state.store.audit(
            kind: .reload, actor: actor,
            detail: outcome.applied ? "applied" : "refused: \(outcome.problems.first ?? "")", now: state.clock())
        notifier.ready(status: await state.statusLine())
        return outcome
    }

    /// What a reload read but cannot apply while running.
    static func needsRestart(_ old: DaemonConfig, _ new: DaemonConfig) -> [String] {
        var keys: [String] = []
        if old.paths != new.paths { keys.append("[paths]") }
        if old.booking != new.booking { keys.append("[booking]") }
        if old.control != new.control { keys.append("[control]") }
        if old.outbox != new.outbox || old.webhooks != new.webhooks { keys.append("[outbox] and [[webhook]]") }
        if old.intake.maxFileBytes != new.intake.maxFileBytes { keys.append("[intake] max_file_bytes") }
        return keys
    }
}
