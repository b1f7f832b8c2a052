/// RFC 4180 CSV: fields with a comma, a quote or a line break are quoted, quotes doubled;
/// lines end in CRLF. Reports and manifests write it.
public enum CSV {
    /// One line of `fields`, CRLF included.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
