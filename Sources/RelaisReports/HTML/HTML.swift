import RelaisXML

/// Markup that is safe to put in a report page: built only from escaped text and the
/// report's own tags, so a carrier, service or policy name can never open a tag.
///
/// The only ways in are ``init(text:)`` (escapes) and the tag builders, which escape every
/// attribute value; raw markup is reserved to this module.
public struct HTML: Hashable, Sendable, CustomStringConvertible {
    /// The markup, ready to write into a page.
    public private(set) var markup: String

    /// Markup written by this module (tags, entities it chose), never text from elsewhere.
    init(trusted markup: String) { self.markup = markup }

    /// `text` escaped: `& < > " '`, and any character XML cannot carry replaced by U+FFFD.
    public init(text: String) { markup = Self.escape(text) }

    public static let empty = HTML(trusted: "")

    public var description: String { markup }

    /// `text` safe in element content and in a quoted attribute value.
    public static func escape(_ text: String) -> String {
        var clean = text
        if XMLText.invalidCharacter(in: text) != nil {
            clean = String(
                String.UnicodeScalarView(
                    text.unicodeScalars.map { scalar in
                        XMLText.invalidCharacter(in: String(scalar)) == nil ? scalar : "\u{FFFD}"
                    }))
        }
        return XMLText.escape(clean)
    }

    /// `<name attributes…>content</name>`; attribute values escaped, names are this module's.
    static func element(_ name: String, _ attributes: [(String, String)] = [], _ content: HTML...) -> HTML {
        element(name, attributes, content: content)
    }

    static func element(_ name: String, _ attributes: [(String, String)] = [], content: [HTML]) -> HTML {
        HTML(trusted: "<\(name)\(attributeList(attributes))>" + content.map(\.markup).joined() + "</\(name)>")
    }

    /// `<name attributes…/>`: a void HTML element (`meta`) or an empty SVG one.
    static func empty(_ name: String, _ attributes: [(String, String)]) -> HTML {
        HTML(trusted: "<\(name)\(attributeList(attributes))/>")
    }

    /// `<name>text</name>` with the text escaped.
    static func element(_ name: String, _ attributes: [(String, String)] = [], text: String) -> HTML {
        element(name, attributes, HTML(text: text))
    }

    private static func attributeList(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(trusted: lhs.markup + rhs.markup) }

    static func += (lhs: inout HTML, rhs: HTML) { lhs.markup += rhs.markup }
}

extension Sequence<HTML> {
    func joined() -> HTML { HTML(trusted: map(\.markup).joined()) }
}
