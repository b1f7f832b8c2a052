import Foundation
import RelaisCore

/// Where each key of a TOML file stands: `"service[1].transit"` → line 42.
///
/// A light scanner over the source, not a second parser: it follows table headers,
/// arrays of tables, `key = value` lines, multi-line arrays (one entry per element line)
/// and multi-line strings. Paths use `.` between keys and `[i]` for array elements.
/// A path not found falls back to its nearest ancestor, so an error inside an inline table
/// points at the line of the key that holds it.
struct TOMLLineIndex: Sendable {
    private var lines: [String: Int] = [:]
    /// The first table header whose name starts with neither a bare-key character
    /// (A-Z a-z 0-9 - _) nor a quote (`[é]`, `[[/rule]]`): TOML 1.0 refuses it, but toml++
    /// stops the process on an assertion instead of reporting it (found by fuzzing,
    /// FUZZING.md), so it is refused before toml++ sees the file. The scalar is nil for a
    /// header with no name at all (`[]`).
    private(set) var badHeaderStart: (line: Int, column: Int, scalar: Unicode.Scalar?)?

    init(source: String) {
        var scanner = Scanner()
        for (offset, line) in source.textLines().enumerated() {
            scanner.scan(Substring(line), lineNumber: offset + 1, into: &lines)
        }
        badHeaderStart = scanner.badHeaderStart
    }

    /// The line of `path`, or of its nearest ancestor that has one.
    func line(for path: String) -> Int? {
        var current = Substring(path)
        while !current.isEmpty {
            if let line = lines[String(current)] { return line }
            guard let cut = current.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
            current = current[..<cut]
        }
        return nil
    }

    /// Works on Unicode scalars, as toml++ does, never on Swift's `Character`s: a combining
    /// mark after `[` or `"` makes one `Character` of the two (`"[\u{325}"` is not
    /// `hasPrefix("[")`), so a scanner of `Character`s lost step with toml++ and a header it
    /// should refuse reached toml++'s assertion (found by fuzzing, FUZZING.md).
    private struct Scanner {
        typealias Scalars = Substring.UnicodeScalarView

        /// The current table's path.
        var table = ""
        /// How many `[[name]]` headers were seen, by raw dotted name.
        var arrayCounts: [String: Int] = [:]
        /// Inside a multi-line string: its closing delimiter.
        var openString: [Unicode.Scalar]?
        /// Inside a multi-line array: the key path that holds it and the next element index.
        var openArray: (path: String, next: Int)?
        var depth = 0
        var expectingElement = false
        var badHeaderStart: (line: Int, column: Int, scalar: Unicode.Scalar?)?

        /// Notes the first header whose name starts badly (see ``badHeaderStart``).
        mutating func checkHeader(_ header: Scalars, in line: Scalars, lineNumber: Int) {
            guard badHeaderStart == nil else { return }
            let opening = header.starts(with: "[[".unicodeScalars) ? header.dropFirst(2) : header.dropFirst()
            let name = opening.drop { $0 == " " || $0 == "\t" }
            let column = line.distance(from: line.startIndex, to: name.startIndex) + 1
            guard let first = name.first, first != "]" else {
                badHeaderStart = (lineNumber, column, nil)
                return
            }
            let bare = (first.isASCII && (first.properties.isAlphabetic || ("0"..."9").contains(first))) || first == "-" || first == "_"
            if !bare && first != "\"" && first != "'" { badHeaderStart = (lineNumber, column, first) }
        }

        mutating func scan(_ raw: Substring, lineNumber: Int, into lines: inout [String: Int]) {
            let line = raw.unicodeScalars
            if let delimiter = openString {
                if Self.range(of: delimiter, in: line) != nil { openString = nil }
                return
            }
            let text = line.drop { $0 == " " || $0 == "\t" }
            if depth > 0 {
                followArray(text, lineNumber: lineNumber, into: &lines)
                return
            }
            guard let first = text.first, first != "#" else { return }
            if first == "[" { checkHeader(text, in: line, lineNumber: lineNumber) }
            if text.starts(with: "[[".unicodeScalars) {
                let name = Self.headerName(text.dropFirst(2), closing: "]]")
                let count = arrayCounts[name, default: 0]
                arrayCounts[name] = count + 1
                table = resolve(name) + "[\(count)]"
                lines[table] = lineNumber
                return
            }
            if first == "[" {
                table = resolve(Self.headerName(text.dropFirst(), closing: "]"))
                lines[table] = lineNumber
                return
            }
            guard let equals = Self.firstUnquoted("=", in: text) else { return }
            let key = Self.normaliseKey(text[..<equals])
            let path = table.isEmpty ? key : "\(table).\(key)"
            lines[path] = lineNumber
            let value = text[text.index(after: equals)...].drop { $0 == " " || $0 == "\t" }
            for delimiter in [Array("\"\"\"".unicodeScalars), Array("\'\'\'".unicodeScalars)] where value.starts(with: delimiter) {
                if Self.range(of: delimiter, in: value.dropFirst(3)) == nil { openString = delimiter }
                return
            }
            if value.first == "[" {
                openArray = (path, 0)
                followArray(value, lineNumber: lineNumber, into: &lines)
            }
        }

        /// Follows an array value over its lines, recording the line where each top-level
        /// element starts, until its closing bracket.
        private mutating func followArray(_ text: Scalars, lineNumber: Int, into lines: inout [String: Int]) {
            var quote: Unicode.Scalar?
            var escaped = false
            for scalar in text {
                if let open = quote {
                    if escaped { escaped = false } else if scalar == "\\" && open == "\"" { escaped = true } else if scalar == open {
                        quote = nil
                    }
                    continue
                }
                if depth == 1, expectingElement, !" \t,]#".unicodeScalars.contains(scalar), let array = openArray {
                    lines["\(array.path)[\(array.next)]"] = lineNumber
                    openArray = (array.path, array.next + 1)
                    expectingElement = false
                }
                switch scalar {
                case "\"", "'": quote = scalar
                case "#": return
                case "[", "{":
                    depth += 1
                    if depth == 1 { expectingElement = true }
                case "]", "}":
                    depth -= 1
                    if depth <= 0 {
                        depth = 0
                        openArray = nil
                        return
                    }
                case "," where depth == 1: expectingElement = true
                default: break
                }
            }
        }

        /// A header's dotted name with array-of-tables parents resolved to their last element.
        private func resolve(_ name: String) -> String {
            var raw = ""
            var resolved = ""
            for part in name.split(separator: ".") {
                let key = Self.normaliseKey(part.unicodeScalars)
                raw = raw.isEmpty ? key : "\(raw).\(key)"
                resolved = resolved.isEmpty ? key : "\(resolved).\(key)"
                if raw != name, let count = arrayCounts[raw] { resolved += "[\(count - 1)]" }
            }
            return resolved
        }

        private static func headerName(_ text: Scalars, closing: String) -> String {
            let name = range(of: Array(closing.unicodeScalars), in: text).map { text[..<$0.lowerBound] } ?? text
            return name.split(separator: ".").map(normaliseKey).joined(separator: ".")
        }

        private static func normaliseKey(_ key: Scalars) -> String {
            var trimmed = trimmingSpaces(key)
            if trimmed.count >= 2, let first = trimmed.first, first == "\"" || first == "'", trimmed.last == first {
                trimmed = trimmed.dropFirst().dropLast()
            }
            return trimmed.split(separator: ".").map { String(Substring(trimmingSpaces($0))) }.joined(separator: ".")
        }

        private static func trimmingSpaces(_ text: Scalars) -> Scalars {
            var trimmed = text.drop { $0 == " " || $0 == "\t" }
            while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
            return trimmed
        }

        private static func firstUnquoted(_ target: Unicode.Scalar, in text: Scalars) -> Scalars.Index? {
            var quote: Unicode.Scalar?
            for index in text.indices {
                let scalar = text[index]
                if let open = quote {
                    if scalar == open { quote = nil }
                    continue
                }
                if scalar == "\"" || scalar == "'" { quote = scalar } else if scalar == target {
                    return index
                }
            }
            return nil
        }

        /// Where `needle` first occurs in `text`, scalar by scalar.
        private static func range(of needle: [Unicode.Scalar], in text: Scalars) -> Range<Scalars.Index>? {
            var start = text.startIndex
            while start != text.endIndex {
                if text[start...].starts(with: needle) {
                    return start..<text.index(start, offsetBy: needle.count)
                }
                start = text.index(after: start)
            }
            return nil
        }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
