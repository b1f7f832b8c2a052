import Mustache

/// One level of a template's context. Mustache asks it for a name (`MustacheParent`) and
/// gets a `String`, a `Bool`, a nested table or an array of tables.
public struct TemplateTable: MustacheParent, Sendable, ExpressibleByDictionaryLiteral {
    public var fields: [String: TemplateValue]

    public init(_ fields: [String: TemplateValue]) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self.fields = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public subscript(name: String) -> TemplateValue? {
        get { fields[name] }
        set { fields[name] = newValue }
    }

    public func child(named name: String) -> Any? {
        switch fields[name] {
        case .text(let text): TemplateText(text: text)
        case .flag(let flag): flag
        case .table(let table): table
        case .list(let tables): tables
        case nil: nil
        }
    }
}

/// A text as Mustache sees it: rendered through ``renderText`` rather than
/// `String(describing:)` of an `Any`, which costs several dynamic casts a value (a quarter of
/// a booking request's rendering). It renders, opens a section and closes an inverted one
/// exactly as the `String` it holds would, empty or not.
///
/// A parent without children: inside its own section (`{{#relay_point}}{{name}}{{/relay_point}}`),
/// a name is looked up in the enclosing tables, as for a `String`, not among this type's
/// stored properties, which Mustache would otherwise reach by reflection.
struct TemplateText: MustacheCustomRenderable, MustacheParent {
    var text: String
    var renderText: String { text }
    var isNull: Bool { false }
    func child(named name: String) -> Any? { nil }
}

/// A value in a template's context.
public enum TemplateValue: Sendable {
    case text(String)
    case flag(Bool)
    case table(TemplateTable)
    case list([TemplateTable])
}
