import RelaisCore

/// What the daemon runs with: relais.toml, the panel it names, and its active policy,
/// loaded and validated together. A reload builds a new set and swaps it whole.
public struct ConfigurationSet: Sendable {
    public let config: DaemonConfig
    public let panel: LoadedPanel
    public let policy: Policy

    /// Loads relais.toml, then `paths.carriers`, then `paths.policies/<policy.active>.toml`.
    /// - Throws: ``ConfigError`` with every problem of the first file set that fails.
    public static func load(configFile: String) throws(ConfigError) -> ConfigurationSet {
        let config = try DaemonConfigLoader.load(file: configFile)
        let panel = try PanelLoader.load(directory: config.paths.carriers)
        let policy = try PolicyLoader.load(
            file: config.activePolicyFile, panel: panel.panel, siteIDs: Set(config.sites.map(\.id)))
        return ConfigurationSet(config: config, panel: panel, policy: policy)
    }
}
