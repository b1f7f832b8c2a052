import Foundation

/// A carrier's secrets: `key=value` lines read from `$CREDENTIALS_DIRECTORY/<name>`
/// (systemd `LoadCredential=`), or from a configured directory.
///
/// - Important: Values never appear in logs, errors or `description`; templates reach them
///   as `{{credentials.<key>}}`.
public struct CarrierCredentials: Sendable, CustomStringConvertible {
    let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    public var keys: [String] { values.keys.sorted() }
    public var description: String { "credentials (\(values.count) keys)" }

    /// Reads `directory/name`: `key=value` per line, `#` comments and blank lines ignored.
    public static func load(name: String, directory: String) throws(CredentialsError) -> CarrierCredentials {
        let path = (directory as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CredentialsError(message: "\(path): cannot read the credentials file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CredentialsError(message: "\(path): not UTF-8")
        }
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                // The line itself is not shown: it may be a secret typed without its key.
                throw CredentialsError(message: "\(path):\(index + 1): expected key=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            values[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return CarrierCredentials(values)
    }
}

public struct CredentialsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
