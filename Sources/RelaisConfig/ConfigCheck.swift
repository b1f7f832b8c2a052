import Foundation
import RelaisCore

/// Validates a whole configuration set at once, as `relaisctl check` and
/// `relaisd --check-config` do: relais.toml, the carrier panel and every policy.
public enum ConfigCheck {
    public struct Report: Sendable {
        /// Every problem found, errors and warnings, in file order.
        public var diagnostics: [ConfigDiagnostic]
        public var carriers: [LoadedCarrier]
        public var policies: [Policy]
        public var config: DaemonConfig?

        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// - Parameters:
    ///   - configFile: relais.toml to validate too (its sites are what rules may name).
    ///   - carriersDirectory: the panel.
    ///   - policiesDirectory: every `*.toml` in it is a policy.
    public static func run(configFile: String?, carriersDirectory: String, policiesDirectory: String) -> Report {
        let log = DiagnosticLog()
        var config: DaemonConfig?
        if let configFile {
            if let text = FileText.read(URL(fileURLWithPath: configFile), file: configFile, log: log) {
                config = DaemonConfigLoader.parse(text: text, file: configFile, log: log)
            }
        }
        let panel = PanelLoader.load(directory: carriersDirectory, log: log)
        let siteIDs = config.map { Set($0.sites.map(\.id)) }
        var policies: [Policy] = []
        var files: [String] = []
        var policiesReadable = true
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: policiesDirectory)
                .filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
                .sorted()
        } catch {
            log.error(policiesDirectory, line: nil, "cannot read the policies directory: \(FileText.reason(error))")
            policiesReadable = false
        }
        for name in files {
            let path = (policiesDirectory as NSString).appendingPathComponent(name)
            if let policy = PolicyLoader.load(
                file: path, panel: panel.panel.panel, unverifiable: panel.failed, siteIDs: siteIDs, log: log)
            {
                policies.append(policy)
            }
        }
        // An unreadable directory is already reported; its missing files would only repeat it.
        if let config, policiesReadable, !files.contains("\(config.activePolicy).toml") {
            log.error(
                config.file ?? "relais.toml", line: nil,
                "the active policy '\(config.activePolicy)' has no file \(config.activePolicy).toml in \(policiesDirectory)")
        }
        // By file, then line: the order an operator fixes them in. The sort is stable, so
        // diagnostics without a line keep their place at the head of their file.
        let ordered = log.diagnostics.enumerated().sorted { a, b in
            if a.element.file != b.element.file { return a.element.file < b.element.file }
            return (a.element.line ?? 0, a.offset) < (b.element.line ?? 0, b.offset)
        }.map(\.element)
        return Report(diagnostics: ordered, carriers: panel.panel.carriers, policies: policies, config: config)
    }
}
