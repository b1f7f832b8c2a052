import RelaisCore

/// Reads fields of one JSON object, recording a ``FieldProblem`` for each bad field and a
/// warning for each field it was never asked about.
struct JSONObjectReader {
    let fields: [String: JSONValue]
    let path: String
    /// Keys asked for; a handful per object, so an array beats hashing.
    private(set) var read: [String] = []

    init(_ fields: [String: JSONValue], path: String) {
        self.fields = fields
        self.path = path
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value, nil when absent or JSON null.
    mutating func value(_ key: String, required: Bool, problems: inout [FieldProblem]) -> JSONValue? {
        read.append(key)
        guard let value = fields[key], value != .null else {
            if required { problems.append(FieldProblem(field: fieldPath(key), reason: "required")) }
            return nil
        }
        return value
    }

    /// A single-line text field: no control characters (XML cannot carry most of them, and
    /// a line break inside a name or street breaks labels), not blank, bounded length.
    mutating func text(_ key: String, required: Bool = false, maxLength: Int = 200, problems: inout [FieldProblem])
        -> String?
    {
        guard let value = value(key, required: required, problems: &problems) else { return nil }
        return Self.text(value, field: fieldPath(key), maxLength: maxLength, problems: &problems)
    }

    static func text(_ value: JSONValue, field: String, maxLength: Int, problems: inout [FieldProblem]) -> String? {
        guard case .string(let raw) = value else {
            problems.append(FieldProblem(field: field, reason: "must be a string, found \(value.typeName)"))
            return nil
        }
        let text = raw.trimmingSpaces()
        if text.isEmpty {
            problems.append(FieldProblem(field: field, reason: "must not be empty"))
            return nil
        }
        if let bad = text.unicodeScalars.first(where: Self.isForbidden) {
            let code = String(bad.value, radix: 16, uppercase: true)
            let name = "U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code
            problems.append(
                FieldProblem(
                    field: field,
                    reason: bad.value == 0x0A || bad.value == 0x0D || bad.value == 0x09
                        ? "contains a line break or tab (\(name)); this field is a single line"
                        : "contains the control character \(name), which XML cannot carry"))
            return nil
        }
        // Counting characters means grapheme breaking: only when the bytes say it may matter.
        if text.utf8.count > maxLength, text.count > maxLength {
            problems.append(FieldProblem(field: field, reason: "is \(text.count) characters long; the limit is \(maxLength)"))
            return nil
        }
        return text
    }

    /// C0 controls, DEL, C1 controls and the non-characters U+FFFE/U+FFFF.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0xFFFE || v == 0xFFFF
    }

    mutating func number(
        _ key: String, required: Bool = false, range: ClosedRange<Double>, unit: String, problems: inout [FieldProblem]
    ) -> Double? {
        guard let value = value(key, required: required, problems: &problems) else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            problems.append(FieldProblem(field: fieldPath(key), reason: "must be a number, found \(value.typeName)"))
            return nil
        }
        guard range.contains(number) else {
            let shown = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            let bounds = "\(Self.format(range.lowerBound))–\(Self.format(range.upperBound)) \(unit)"
            let reason = number <= 0 && range.lowerBound >= 0
                ? "must be more than 0 \(unit), found \(shown)" : "\(shown) \(unit) is outside \(bounds)"
            problems.append(FieldProblem(field: fieldPath(key), reason: reason))
            return nil
        }
        return number
    }

    mutating func object(_ key: String, required: Bool = false, problems: inout [FieldProblem]) -> JSONObjectReader? {
        guard let value = value(key, required: required, problems: &problems) else { return nil }
        guard case .object(let fields) = value else {
            problems.append(FieldProblem(field: fieldPath(key), reason: "must be an object, found \(value.typeName)"))
            return nil
        }
        return JSONObjectReader(fields, path: fieldPath(key))
    }

    mutating func array(_ key: String, required: Bool = false, problems: inout [FieldProblem]) -> [JSONValue]? {
        guard let value = value(key, required: required, problems: &problems) else { return nil }
        guard case .array(let items) = value else {
            problems.append(FieldProblem(field: fieldPath(key), reason: "must be an array, found \(value.typeName)"))
            return nil
        }
        return items
    }

    /// Warnings for every field never read: accepted, but the OMS may have misspelt it.
    func unknownFields() -> [FieldProblem] {
        let unknown = fields.keys.filter { !read.contains($0) }
        guard !unknown.isEmpty else { return [] }
        return unknown.sorted().map {
            FieldProblem(field: fieldPath($0), reason: "unknown field, ignored")
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension String {
    /// Without leading and trailing spaces (U+0020 only: other blanks are reported).
    func trimmingSpaces() -> String {
        guard utf8.first == 0x20 || utf8.last == 0x20 else { return self }
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
