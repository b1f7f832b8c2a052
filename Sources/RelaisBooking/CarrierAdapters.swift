import Foundation
import RelaisCarriers
import RelaisConfig

/// Builds one adapter per carrier of the panel that has an `[api]`.
public enum CarrierAdapters {
    /// Credentials come from `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`) when set,
    /// else from `[booking] credentials`; with `[booking] sandbox_url`, every carrier is
    /// called at `<sandbox_url>/<carrier id>`.
    ///
    /// - Throws: ``CredentialsError`` naming the carrier whose credentials cannot be read:
    ///   better to refuse to start than to discover it on the first booking.
    public static func make(
        panel: LoadedPanel, settings: DaemonConfig.Booking, http: CarrierHTTP,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CredentialsError) -> [String: CarrierAdapter] {
        let directory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 } ?? settings.credentialsDirectory
        var adapters: [String: CarrierAdapter] = [:]
        for loaded in panel.carriers {
            guard let api = loaded.api else { continue }
            let id = loaded.carrier.id
            var credentials = CarrierCredentials([:])
            if let name = api.credentials {
                do {
                    credentials = try CarrierCredentials.load(name: name, directory: directory)
                } catch {
                    throw CredentialsError(message: "carrier \(id): \(error.message)")
                }
            }
            let baseURL = settings.sandboxURL.map { "\($0.trimmingSuffix("/"))/\(id)" }
            adapters[id] = CarrierAdapter(carrierID: id, api: api, baseURL: baseURL, credentials: credentials, http: http)
        }
        return adapters
    }

    /// Connections the shared client may open to one host: every carrier's `max_in_flight`
    /// (the sandbox serves them all on one port), plus room for label fetches and lookups.
    public static func connectionsPerHost(_ panel: LoadedPanel) -> Int {
        panel.carriers.reduce(8) { $0 + ($1.api?.maxInFlight ?? 0) }
    }
}
