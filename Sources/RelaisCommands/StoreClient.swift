import Logging
import PostgresNIO
import RelaisConfig
import RelaisPostgres

/// The PostgreSQL client for relais.toml's `[store]` (SPEC §16), as relaisd and relaisctl
/// both open it: the password from the credentials directory (`$CREDENTIALS_DIRECTORY`
/// under systemd, else `booking.credentials_directory`), never from the URL.
public enum StoreClient {
    /// A client for `store`; its owner runs it (`client.run()`).
    /// - Parameters:
    ///   - applicationName: how its connections are named in `pg_stat_activity`.
    ///   - maximumConnections: the pool's bound.
    public static func make(
        _ store: DaemonConfig.Store, config: DaemonConfig, environment: [String: String], applicationName: String,
        maximumConnections: Int = 8, logger: Logger = Logger(label: "relais.postgres")
    ) throws -> PostgresClient {
        let directory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 } ?? config.booking.credentialsDirectory
        let password = try store.credentials.map { try PostgresStore.password(credential: $0, directory: directory) }
        return PostgresClient(
            configuration: try PostgresStore.clientConfiguration(
                url: store.url, password: password, maximumConnections: maximumConnections, applicationName: applicationName),
            backgroundLogger: logger)
    }
}
