import Foundation
import Synchronization
import TOMLKit

/// A TOML file parsed into ``TOMLNode``s, with the line of every key for diagnostics.
///
/// TOMLKit (toml++) parses; it does not expose where a key stood, so ``TOMLLineIndex``
/// finds the lines from the source text. This is the only file that imports TOMLKit.
struct TOMLDocument: Sendable {
    let file: String
    let root: [String: TOMLNode]
    let lines: TOMLLineIndex
    /// The text parsed, to know a file read again unchanged.
    private let text: String
    /// Which of this process's TOMLKit parses produced the document (from 1): a document
    /// read again unchanged keeps its number.
    let parseNumber: Int

    /// Parses `text`; a syntax error is reported as `file:line: message (column N)`.
    ///
    /// A file read again with the same text (a reload that changed nothing in it) is not
    /// parsed again: TOMLKit loses memory on every parse (below), so a reload costs memory
    /// only for the files that changed.
    init(text: String, file: String) throws(ConfigError) {
        if let parsed = Self.parsed.withLock({ $0[file] }), parsed.text == text {
            self = parsed
            return
        }
        try self.init(parsing: text, file: file)
        let document = self
        Self.parsed.withLock { parsed in
            if parsed.count >= Self.parsedLimit { parsed.removeAll() }
            parsed[file] = document
        }
    }

    /// The last document parsed from each file, by file name.
    private static let parsed = Mutex<[String: TOMLDocument]>([:])
    /// More files than a configuration names: past this, the remembered documents are dropped.
    private static let parsedLimit = 1024
    private static let parses = Atomic<Int>(0)

    private init(parsing text: String, file: String) throws(ConfigError) {
        self.file = file
        self.text = text
        self.parseNumber = Self.parses.add(1, ordering: .relaxed).newValue
        // toml++ skips one leading byte order mark and no more; the scanners below must read
        // what it reads, or `\u{FEFF}[\u{A7}` is no header to them and reaches toml++'s
        // assertion (found by CI's short fuzzing run, FUZZING.md). So they skip one mark
        // too, and toml++ gets the text as it came: given the text without it, toml++ would
        // skip a second one. Files read from disk have lost it already (FileText).
        let scanned = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let lines = TOMLLineIndex(source: scanned)
        if let header = lines.badHeaderStart {
            let what = header.scalar.map { "start with " + String(format: "U+%04X", $0.value) } ?? "be empty"
            throw ConfigError([
                ConfigDiagnostic(
                    file: file, line: header.line,
                    message: "TOML syntax: a table name cannot \(what) (column \(header.column)): "
                        + "a bare key is letters A-Z and a-z, digits, '-' and '_'; quote any other")
            ])
        }
        if let brace = TOMLBraceCheck.misplacedBrace(in: scanned) {
            throw ConfigError([
                ConfigDiagnostic(
                    file: file, line: brace.line,
                    message: "TOML syntax: expected a value or the array's closing ']', saw '}' (column \(brace.column))")
            ])
        }
        do {
            let table = try TOMLTable(string: text)
            // TOMLKit never frees a parsed document (FUZZING.md): once copied into
            // TOMLNodes, its tree is released here. What TOMLKit's accessors copied out for
            // each key and value stays lost, a small part of the whole.
            defer { table.clear() }
            self.root = Self.convert(table)
        } catch let error as TOMLParseError {
            throw ConfigError([
                ConfigDiagnostic(
                    file: file, line: error.source.begin.line,
                    message: "TOML syntax: \(error.description) (column \(error.source.begin.column))")
            ])
        } catch {
            throw ConfigError([ConfigDiagnostic(file: file, line: nil, message: "TOML: \(error)")])
        }
        self.lines = lines
    }

    /// Parses `text`, logging a syntax error instead of throwing it.
    static func parse(text: String, file: String, log: DiagnosticLog) -> TOMLDocument? {
        do {
            return try TOMLDocument(text: text, file: file)
        } catch {
            for diagnostic in error.diagnostics { log.add(diagnostic) }
            return nil
        }
    }

    private static func convert(_ table: TOMLTable) -> [String: TOMLNode] {
        var result: [String: TOMLNode] = [:]
        for key in table.keys {
            if let value = table[key]?.tomlValue { result[key] = convert(value) }
        }
        return result
    }

    private static func convert(_ value: TOMLValue) -> TOMLNode {
        switch value.type {
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array: return .array(value.array.map { $0.map { convert($0.tomlValue) } } ?? [])
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? .nan)
        case .bool: return .boolean(value.bool ?? false)
        case .date, .time, .dateTime: return .dateTime(value.debugDescription)
        }
    }
}
