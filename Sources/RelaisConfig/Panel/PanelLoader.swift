import Foundation
import RelaisCore

/// Loads a carrier panel from a directory with one folder per carrier (SPEC §5).
public enum PanelLoader {
    /// Loads every `<directory>/<id>/carrier.toml`.
    ///
    /// - Returns: the panel and its warnings.
    /// - Throws: ``ConfigError`` with every problem found when any file is invalid: the
    ///   panel is all-or-nothing, so a reload never runs with half a panel.
    public static func load(directory: String) throws(ConfigError) -> LoadedPanel {
        let log = DiagnosticLog()
        let result = load(directory: directory, log: log)
        if log.hasErrors { throw ConfigError(log.diagnostics) }
        return result.panel
    }

    /// What loaded, even when some carriers did not: `relaisctl check` goes on to validate
    /// policies against the carriers that loaded, and does not check references to the
    /// ones that failed (their own errors are already reported).
    struct PartialResult {
        var panel: LoadedPanel
        /// Folder names of carriers that failed to load.
        var failed: Set<String>
    }

    static func load(directory: String, log: DiagnosticLog) -> PartialResult {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { !$0.hasPrefix(".") }
                .sorted()
        } catch {
            log.error(directory, line: nil, "cannot read the carriers directory: \(FileText.reason(error))")
            return PartialResult(panel: LoadedPanel(carriers: []), failed: [])
        }
        var carriers: [LoadedCarrier] = []
        var failed = Set<String>()
        for name in names {
            let folder = base.appendingPathComponent(name, isDirectory: true)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            let display = (directory as NSString).appendingPathComponent(name)
            if let carrier = CarrierLoader.load(directory: folder, displayPath: display, log: log) {
                carriers.append(carrier)
            } else {
                failed.insert(name)
            }
        }
        if carriers.isEmpty, !log.hasErrors {
            log.error(directory, line: nil, "no carrier: expected folders holding carrier.toml")
        }
        return PartialResult(panel: LoadedPanel(carriers: carriers), failed: failed)
    }
}

/// A validated panel with the per-carrier settings the I/O stages need.
public struct LoadedPanel: Hashable, Sendable {
    public let carriers: [LoadedCarrier]
    public let panel: CarrierPanel

    public init(carriers: [LoadedCarrier]) {
        self.carriers = carriers.sorted { $0.carrier.id < $1.carrier.id }
        self.panel = CarrierPanel(carriers: carriers.map(\.carrier))
    }
}
