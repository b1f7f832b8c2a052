import Foundation
import RelaisConfig

/// `relaisctl check`: validates relais.toml, the carrier panel and every policy at once.
public enum CheckCommand {
    /// - Parameters:
    ///   - configFile: relais.toml; nil uses `/etc/relais/relais.toml` when it exists.
    ///   - carriers: the panel directory; nil takes `paths.carriers` from the config.
    ///   - policies: the policies directory; nil takes `paths.policies` from the config.
    public static func run(configFile: String?, carriers: String?, policies: String?) -> CommandOutput {
        let settings = Settings.resolve(configFile: configFile, carriers: carriers, policies: policies)
        let report = ConfigCheck.run(
            configFile: settings.configFile, carriersDirectory: settings.carriers, policiesDirectory: settings.policies)
        var output = CommandOutput()
        output.stderr = report.diagnostics.map { "\($0)\n" }.joined()
        if report.hasErrors {
            let count = report.diagnostics.filter { $0.severity == .error }.count
            output.stderr += "check failed: \(count) error\(count == 1 ? "" : "s")\n"
            output.status = .invalid
            return output
        }
        let services = report.carriers.reduce(0) { $0 + $1.carrier.services.count }
        var summary = "ok: \(report.carriers.count) carriers (\(services) services) in \(settings.carriers)"
        summary += ", \(report.policies.count) polic\(report.policies.count == 1 ? "y" : "ies") in \(settings.policies)"
        if let config = report.config {
            summary += ", \(config.sites.count) site\(config.sites.count == 1 ? "" : "s") in \(settings.configFile ?? "")"
        }
        output.stdout = summary + "\n"
        return output
    }
}

/// Where relaisctl finds its files: flags first, then relais.toml, then the packaged defaults.
struct Settings {
    var configFile: String?
    var carriers: String
    var policies: String
    var config: DaemonConfig?

    static func resolve(configFile: String?, carriers: String?, policies: String?) -> Settings {
        var file = configFile
        if file == nil, FileManager.default.fileExists(atPath: DaemonConfigLoader.defaultPath) {
            file = DaemonConfigLoader.defaultPath
        }
        // Errors in relais.toml are reported by the command itself; here only its paths matter.
        let config = file.flatMap { try? DaemonConfigLoader.load(file: $0) }
        let defaults = DaemonConfig().paths
        return Settings(
            configFile: file, carriers: carriers ?? config?.paths.carriers ?? defaults.carriers,
            policies: policies ?? config?.paths.policies ?? defaults.policies, config: config)
    }
}
