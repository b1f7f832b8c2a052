import Foundation

/// Reads configuration files as UTF-8 text, reporting what went wrong instead of throwing.
enum FileText {
    /// Configuration files larger than this are refused: no policy or rate grid comes near.
    static let maxBytes = 8 << 20

    static func read(_ url: URL, file: String, log: DiagnosticLog, line: Int? = nil) -> String? {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            if let size = attributes[.size] as? Int, size > maxBytes {
                log.error(file, line: line, "file is \(size) bytes, over the \(maxBytes)-byte limit")
                return nil
            }
            data = try Data(contentsOf: url)
        } catch {
            log.error(file, line: line, "cannot read: \(Self.reason(error))")
            return nil
        }
        guard var text = String(data: data, encoding: .utf8) else {
            log.error(file, line: line, "not valid UTF-8")
            return nil
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text
    }

    /// Reads `relative` inside `folder` only if it resolves there, links included (issue 20):
    /// a carrier's template or rate grid linked to a file elsewhere (a credentials file, a
    /// key) would otherwise be sent to the carrier as a request body or quoted in errors.
    static func read(inside folder: URL, _ relative: String, file: String, log: DiagnosticLog, line: Int? = nil) -> String? {
        guard let root = realPath(folder.path) else {
            log.error(file, line: line, "cannot resolve the carrier folder \(folder.path)")
            return nil
        }
        let target = folder.appendingPathComponent(relative).path
        guard let resolved = realPath(target) else {
            log.error(file, line: line, "cannot read: \(String(cString: strerror(errno)))")
            return nil
        }
        guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            log.error(file, line: line, "resolves to \(resolved), outside the carrier folder \(root): refused")
            return nil
        }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            log.error(file, line: line, "not a regular file")
            return nil
        }
        return read(URL(fileURLWithPath: resolved), file: file, log: log, line: line)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A value from a file, for an error message: quoted when it is short and plain,
    /// otherwise only its length. A file that is not what it should be (a secret in place
    /// of a rate grid) must not be echoed into replies and the journal.
    static func quoted(_ value: some StringProtocol) -> String {
        let plain = value.count <= 24 && value.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || scalar.properties.numericType != nil || " .,_-+/%€$".unicodeScalars.contains(scalar)
        }
        return plain ? "'\(value)'" : "a value of \(value.count) characters"
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError || nsError.code == 260 {
            return "no such file"
        }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}

/// Identifier rules shared by carrier ids, site ids and currencies.
enum Identifier {
    /// Lower-case ASCII letters, digits, `-` and `_`; not empty.
    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }
    }

    /// Three upper-case ASCII letters.
    static func isCurrency(_ text: String) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }
    }
}
