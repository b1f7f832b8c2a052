/// Typed, validating access to one TOML table, reporting every problem with its line.
///
/// TOMLKit's Codable decoding reports a type mismatch as a missing key and refuses `2`
/// where a number is expected; reading the parsed table here gives operators honest
/// messages instead. Every key read is remembered, and ``finish()`` reports the rest as
/// unknown, which catches typos such as `max_weigth_kg`.
final class TableReader {
    let document: TOMLDocument
    let log: DiagnosticLog
    /// This table's path in the document (`""` for the root, `service[2]`, `fleet`).
    let path: String
    /// How the table is named in messages: `[service]`, `[fleet]`, `the file`.
    let label: String
    let entries: [String: TOMLNode]
    private var read: Set<String> = []

    init(document: TOMLDocument, log: DiagnosticLog, path: String, label: String, entries: [String: TOMLNode]) {
        self.document = document
        self.log = log
        self.path = path
        self.label = label
        self.entries = entries
    }

    convenience init(root document: TOMLDocument, log: DiagnosticLog) {
        self.init(document: document, log: log, path: "", label: "the file", entries: document.root)
    }

    var file: String { document.file }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The line of `key` in this table, else of the table itself.
    func line(_ key: String? = nil) -> Int? { document.lines.line(for: key.map(keyPath) ?? path) }

    func error(_ key: String?, _ message: String) { log.error(file, line: line(key), message) }

    func warning(_ key: String?, _ message: String) { log.warning(file, line: line(key), message) }

    func has(_ key: String) -> Bool { entries[key] != nil }

    /// The raw node, marked as read.
    func node(_ key: String, required: Bool = false) -> TOMLNode? {
        read.insert(key)
        guard let value = entries[key] else {
            if required { error(nil, "\(label) needs '\(key)'") }
            return nil
        }
        return value
    }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let value = node(key, required: required) else { return nil }
        guard case .string(let text) = value else {
            error(key, "'\(key)' must be a string, found \(value.typeName)")
            return nil
        }
        return text
    }

    /// A number; integers are accepted where a number is expected (`2` for `2.0`).
    func number(_ key: String, required: Bool = false, range: ClosedRange<Double>? = nil, rangeText: String? = nil)
        -> Double?
    {
        guard let value = node(key, required: required) else { return nil }
        let number: Double
        switch value {
        case .integer(let integer): number = Double(integer)
        case .float(let float): number = float
        default:
            error(key, "'\(key)' must be a number, found \(value.typeName)")
            return nil
        }
        guard number.isFinite else {
            error(key, "'\(key)' must be a finite number")
            return nil
        }
        if let range, !range.contains(number) {
            error(key, "'\(key)' = \(Self.format(number)) is out of range: \(rangeText ?? "\(range)")")
            return nil
        }
        return number
    }

    func integer(_ key: String, required: Bool = false, range: ClosedRange<Int>? = nil) -> Int? {
        guard let value = node(key, required: required) else { return nil }
        var integer: Int
        switch value {
        case .integer(let found): integer = found
        case .float(let float) where float == float.rounded() && abs(float) < 1e15: integer = Int(float)
        default:
            error(key, "'\(key)' must be a whole number, found \(value.typeName)")
            return nil
        }
        if let range, !range.contains(integer) {
            error(key, "'\(key)' = \(integer) is out of range: \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return integer
    }

    func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let value = node(key, required: required) else { return nil }
        guard case .boolean(let flag) = value else {
            error(key, "'\(key)' must be true or false, found \(value.typeName)")
            return nil
        }
        return flag
    }

    /// A list of strings; with `allowSingle`, a lone string counts as a list of one.
    func strings(_ key: String, required: Bool = false, allowSingle: Bool = false) -> [String]? {
        guard let value = node(key, required: required) else { return nil }
        switch value {
        case .string(let text) where allowSingle:
            return [text]
        case .array(let items):
            var result: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    log.error(file, line: line("\(key)[\(index)]"), "'\(key)' must list strings, found \(item.typeName)")
                    return nil
                }
                result.append(text)
            }
            return result
        default:
            error(key, "'\(key)' must be \(allowSingle ? "a string or " : "")a list of strings, found \(value.typeName)")
            return nil
        }
    }

    /// A sub-table (`[name]` or `name = { … }`).
    func table(_ key: String, required: Bool = false, label: String? = nil) -> TableReader? {
        guard let value = node(key, required: required) else { return nil }
        guard case .table(let entries) = value else {
            error(key, "'\(key)' must be a table, found \(value.typeName)")
            return nil
        }
        return TableReader(
            document: document, log: log, path: keyPath(key), label: label ?? "[\(keyPath(key))]", entries: entries)
    }

    /// An array of tables (`[[name]]` or `name = [ { … }, … ]`).
    func tables(_ key: String, required: Bool = false, label: String? = nil) -> [TableReader] {
        guard let value = node(key, required: required) else { return [] }
        guard case .array(let items) = value else {
            error(key, "'\(key)' must be an array of tables ([[\(key)]]), found \(value.typeName)")
            return []
        }
        var result: [TableReader] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(keyPath(key))[\(index)]"
            guard case .table(let entries) = item else {
                log.error(file, line: document.lines.line(for: itemPath), "'\(key)' must hold tables, found \(item.typeName)")
                continue
            }
            result.append(
                TableReader(
                    document: document, log: log, path: itemPath, label: label ?? "[[\(key)]] #\(index + 1)",
                    entries: entries))
        }
        return result
    }

    /// Every key of the table in byte order, each marked as read: for tables keyed by name.
    func allKeys() -> [String] {
        let keys = entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        read.formUnion(keys)
        return keys
    }

    /// Reports keys that were never read as unknown.
    func finish() {
        for key in entries.keys.sorted() where !read.contains(key) {
            error(key, "unknown key '\(key)' in \(label)")
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
