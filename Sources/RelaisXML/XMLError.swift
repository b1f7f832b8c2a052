/// Why a document was refused, and where.
///
/// A struct around a private code, as `HTTPClientError` does, so that the set can grow
/// without breaking callers that switch on it.
public struct XMLError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case empty, tooLarge, doctype, entityReference, malformed, invalidCharacter
    }

    let code: Code
    /// What went wrong, in libxml2's words where it said something.
    public let message: String
    /// 1-based line and column in the document, when known.
    public let line: Int?
    public let column: Int?

    init(_ code: Code, _ message: String, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    /// No bytes at all.
    public static let empty = XMLError(.empty, "empty document")
    /// Larger than the caller's limit; nothing was parsed.
    public static let tooLarge = XMLError(.tooLarge, "document larger than the limit")
    /// A document type declaration: refused, so no entity can be declared or loaded.
    public static let doctype = XMLError(.doctype, "DOCTYPE is not allowed")
    /// A reference to an entity other than the five predefined ones.
    public static let entityReference = XMLError(.entityReference, "entity references are not allowed")
    /// Not well-formed XML.
    public static let malformed = XMLError(.malformed, "not well-formed")
    /// A value holds a character XML 1.0 cannot carry.
    public static let invalidCharacter = XMLError(.invalidCharacter, "character not allowed in XML")

    public static func == (lhs: XMLError, rhs: XMLError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    func with(message: String, line: Int? = nil, column: Int? = nil) -> XMLError {
        XMLError(code, message, line: line, column: column)
    }

    public var description: String {
        switch (line, column) {
        case let (line?, column?): "line \(line), column \(column): \(message)"
        case let (line?, nil): "line \(line): \(message)"
        default: message
        }
    }
}
