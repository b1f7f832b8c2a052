import Foundation
import RelaisCore

#if canImport(Glibc)
import Glibc
#endif

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

    /// The largest credentials file read: a few keys, never megabytes.
    public static let maxBytes = 64 * 1024

    /// Reads `directory/name`: `key=value` per line, `#` comments and blank lines ignored.
    ///
    /// Refused, naming the file (and the line) but never quoting it: anything but a regular
    /// file (a FIFO would block the start forever), over ``maxBytes``, not UTF-8, a line
    /// without `=` or with an empty key. `relaisd --check-config` runs this same code.
    public static func load(name: String, directory: String) throws(CredentialsError) -> CarrierCredentials {
        let path = (directory as NSString).appendingPathComponent(name)
        let data = try read(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw CredentialsError(message: "\(path): not UTF-8")
        }
        var values: [String: String] = [:]
        for (index, rawLine) in text.textLines().enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            // The line itself is never shown: it may be a secret typed without its key.
            guard let equals = line.firstIndex(of: "=") else {
                throw CredentialsError(message: "\(path):\(index + 1): expected key=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw CredentialsError(message: "\(path):\(index + 1): the key before '=' is empty") }
            values[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return CarrierCredentials(values)
    }

    /// A regular file's bytes (links followed: `LoadCredential=` and operators use them),
    /// opened without blocking so that a FIFO is refused, not waited on.
    private static func read(_ path: String) throws(CredentialsError) -> Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw CredentialsError(message: "\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CredentialsError(message: "\(path): cannot stat: \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw CredentialsError(message: "\(path): not a regular file") }
        guard Int(info.st_size) <= maxBytes else {
            throw CredentialsError(message: "\(path): \(info.st_size) bytes, over the \(maxBytes)-byte limit for a credentials file")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw CredentialsError(message: "\(path): cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            data.append(buffer, count: count)
            guard data.count <= maxBytes else { throw CredentialsError(message: "\(path): grew past \(maxBytes) bytes while read") }
        }
        return data
    }
}

public struct CredentialsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
