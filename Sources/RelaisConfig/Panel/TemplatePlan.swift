import Mustache

/// A carrier template as Mustache rendered it for one shape of context, kept to render every
/// context of that shape without Mustache.
///
/// Mustache looked each name up through several dynamic casts, about forty names a booking
/// request: a tenth of relaisd's CPU while booking (BENCHMARKS.md, session 15).
///
/// A template's output depends on its context only through what its names find: nothing, a
/// text, a flag and its value, a table, or a list of so many tables. A plan is made by one
/// render through ``TemplateRecorder``, which notes every name asked for, in which table, and
/// what it found, and hands Mustache each text as a marker. The output cut at its markers is
/// the plan: literal pieces, and the texts between them, escaped or not as Mustache escaped
/// them. A context whose names find the same kinds of value renders the same pieces around
/// its own texts, so the plan renders it byte for byte as Mustache would.
///
/// Where that does not hold, the template is rendered by Mustache every time:
/// - a template whose own text holds a marker character, or a block or partial tag (a block
///   indents what it renders by whether each value is empty);
/// - an output in which a marker does not come back whole, or which prints a table itself
///   (`{{.}}` inside a table's section): ``TemplatePlan/pieces`` is nil.
struct TemplatePlan: Sendable {
    /// One step from the context's root towards a table: a field, or an item of a list.
    enum Step: Hashable, Sendable {
        case field(String)
        case item(Int)
    }

    /// What a name found, as far as the output depends on it.
    enum Found: Equatable, Sendable {
        case absent
        case text
        case flag(Bool)
        case table
        case list(count: Int)

        init(_ value: TemplateValue?) {
            switch value {
            case nil: self = .absent
            case .text: self = .text
            case .flag(let flag): self = .flag(flag)
            case .table: self = .table
            case .list(let items): self = .list(count: items.count)
            }
        }
    }

    /// A name asked for in one of ``tables``, and what it found.
    struct Lookup: Sendable {
        var table: Int
        var name: String
        var found: Found
    }

    /// A piece of the output: text of the template, or the text a lookup found.
    enum Piece: Sendable {
        case literal(String)
        case text(lookup: Int, escaped: Bool)
    }

    /// The tables names were asked of, as paths from the root; the root first.
    let tables: [[Step]]
    let lookups: [Lookup]
    /// Nil when Mustache renders this shape itself.
    let pieces: [Piece]?

    /// The plan of `root`'s shape, made by rendering `template` once.
    init(recording template: MustacheTemplate, _ root: TemplateTable) {
        let recorder = TemplateRecorder()
        let output = template.render(recorder.root(root))
        tables = recorder.tables
        lookups = recorder.lookups
        pieces = Self.pieces(of: output)
    }

    /// Whether a template's text allows plans at all.
    static func allows(_ text: String) -> Bool {
        if text.unicodeScalars.contains(where: { $0 == markerStart || $0 == markerEnd || $0 == tableMarker }) { return false }
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            let tag = rest[open.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
            if let first = tag.first, "$<>".contains(first) { return false }
            rest = rest[open.upperBound...]
        }
        return true
    }

    /// The texts `root` holds for this plan's lookups, by lookup; nil when a name finds
    /// another kind of value than the plan's.
    func texts(in root: TemplateTable) -> [String]? {
        var resolved: [TemplateTable] = []
        resolved.reserveCapacity(tables.count)
        for path in tables {
            guard let table = Self.table(at: path, in: root) else { return nil }
            resolved.append(table)
        }
        var texts = [String](repeating: "", count: lookups.count)
        for (index, lookup) in lookups.enumerated() {
            let value = resolved[lookup.table].fields[lookup.name]
            guard Found(value) == lookup.found else { return nil }
            if case .text(let text) = value { texts[index] = text }
        }
        return texts
    }

    /// The output of `pieces` around `texts`. Escaped as the pragma every carrier template
    /// starts with escapes (``XMLContentType``): templates may not change it.
    static func render(_ pieces: [Piece], texts: [String]) -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): output += text
            case .text(let lookup, let escaped): output += escaped ? XMLContentType().escapeText(texts[lookup]) : texts[lookup]
            }
        }
        return output
    }

    private static func table(at path: [Step], in root: TemplateTable) -> TemplateTable? {
        var table = root
        var list: [TemplateTable]?
        for step in path {
            switch step {
            case .field(let name):
                switch table.fields[name] {
                case .table(let inner): table = inner
                case .list(let items): list = items
                default: return nil
                }
            case .item(let index):
                guard let items = list, index < items.count else { return nil }
                table = items[index]
                list = nil
            }
        }
        return list == nil ? table : nil
    }

    // MARK: Markers

    static let markerStart: Unicode.Scalar = "\u{E000}"
    static let markerEnd: Unicode.Scalar = "\u{E001}"
    /// What a recorded table prints as (``TemplateRecorder``): a plan never holds one.
    static let tableMarker: Unicode.Scalar = "\u{E002}"

    /// The text Mustache gets for lookup `index`: private-use characters around the number,
    /// and an `&` that says whether Mustache escaped it (`&amp;`) or not.
    static func marker(_ index: Int) -> String { "\(markerStart)\(index)&\(markerEnd)" }

    /// `output` cut at its markers; nil when one is not whole or a table printed itself.
    static func pieces(of output: String) -> [Piece]? {
        let scalars = Array(output.unicodeScalars)
        var pieces: [Piece] = []
        var literal = String.UnicodeScalarView()
        var at = 0
        func take(_ text: String) -> Bool {
            let expected = Array(text.unicodeScalars)
            guard scalars[at...].starts(with: expected) else { return false }
            at += expected.count
            return true
        }
        while at < scalars.count {
            let scalar = scalars[at]
            at += 1
            switch scalar {
            case markerStart:
                var index = 0
                var digits = 0
                while at < scalars.count, ("0"..."9").contains(scalars[at]) {
                    index = index * 10 + Int(scalars[at].value - 0x30)
                    digits += 1
                    at += 1
                }
                guard digits > 0, take("&") else { return nil }
                let escaped = take("amp;")
                guard take(String(markerEnd)) else { return nil }
                if !literal.isEmpty { pieces.append(.literal(String(literal))) }
                literal = String.UnicodeScalarView()
                pieces.append(.text(lookup: index, escaped: escaped))
            case markerEnd, tableMarker:
                return nil
            default:
                literal.append(scalar)
            }
        }
        if !literal.isEmpty { pieces.append(.literal(String(literal))) }
        return pieces
    }
}
