import Foundation
import RelaisCarriers
import RelaisConfig

/// Builds one adapter per carrier of the panel that has an `[api]`.
public enum CarrierAdapters {
    /// The adapters, and the carriers left without one because their credentials cannot
    /// be read (issue 20): one carrier's missing or broken file makes that carrier
    /// unavailable, not the daemon.
    public struct Built: Sendable {
        public var adapters: [String: CarrierAdapter]
        /// Carrier id → why it is unavailable (the file and the line, never its content).
        public var unavailable: [String: String]
    }

    /// Credentials come from `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`) when set,
    /// else from `[booking] credentials`; with `[booking] sandbox_url`, every carrier is
    /// called at `<sandbox_url>/<carrier id>`.
    public static func make(
        panel: LoadedPanel, settings: DaemonConfig.Booking, http: CarrierHTTP,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Built {
        let (loaded, unavailable) = credentials(panel: panel, settings: settings, environment: environment)
        var adapters: [String: CarrierAdapter] = [:]
        for carrier in panel.carriers {
            let id = carrier.carrier.id
            guard let api = carrier.api, unavailable[id] == nil else { continue }
            let baseURL = settings.sandboxURL.map { "\($0.trimmingSuffix("/"))/\(id)" }
            adapters[id] = CarrierAdapter(
                carrierID: id, api: api, baseURL: baseURL, credentials: loaded[id] ?? CarrierCredentials([:]), http: http)
        }
        return Built(adapters: adapters, unavailable: unavailable)
    }

    /// Reads every credentials file the panel names, as the daemon's start does; used by
    /// `relaisd --check-config` too, so that both refuse the same files.
    /// - Returns: the credentials by carrier id, and why each unreadable one was refused.
    public static func credentials(
        panel: LoadedPanel, settings: DaemonConfig.Booking,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> (loaded: [String: CarrierCredentials], problems: [String: String]) {
        let directory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 } ?? settings.credentialsDirectory
        var loaded: [String: CarrierCredentials] = [:]
        var problems: [String: String] = [:]
        for carrier in panel.carriers {
            guard let name = carrier.api?.credentials else { continue }
            do {
                loaded[carrier.carrier.id] = try CarrierCredentials.load(name: name, directory: directory)
            } catch {
                problems[carrier.carrier.id] = error.message
            }
        }
        return (loaded, problems)
    }

    /// Connections the shared client may open to one host: every carrier's `max_in_flight`
    /// (the sandbox serves them all on one port), plus room for label fetches and lookups.
    public static func connectionsPerHost(_ panel: LoadedPanel) -> Int {
        panel.carriers.reduce(8) { $0 + ($1.api?.maxInFlight ?? 0) }
    }
}
