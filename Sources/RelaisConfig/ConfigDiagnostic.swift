/// One problem found in a configuration file, located for the operator: `file:line: message`.
public struct ConfigDiagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        /// The file set cannot be used.
        case error
        /// Suspicious but usable; reported, never blocking.
        case warning
    }

    public var file: String
    /// 1-based; nil when the problem is about the file as a whole.
    public var line: Int?
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int?, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.message = message
        self.severity = severity
    }

    /// `carriers/dpd/carrier.toml:12: message`, with `warning: ` before warnings' messages.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return "\(location): \(severity == .warning ? "warning: " : "")\(message)"
    }
}

/// Loading failed: every problem found, not just the first.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(_ diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Collects diagnostics while a file set is loaded, so that one run reports everything.
///
/// Used by one loading call at a time; never shared across tasks.
final class DiagnosticLog {
    private(set) var diagnostics: [ConfigDiagnostic] = []

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    var errorCount: Int { diagnostics.count { $0.severity == .error } }

    func add(_ diagnostic: ConfigDiagnostic) { diagnostics.append(diagnostic) }

    func error(_ file: String, line: Int?, _ message: String) {
        add(ConfigDiagnostic(file: file, line: line, message: message))
    }

    func warning(_ file: String, line: Int?, _ message: String) {
        add(ConfigDiagnostic(file: file, line: line, message: message, severity: .warning))
    }
}
