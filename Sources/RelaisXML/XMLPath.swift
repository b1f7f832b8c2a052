/// A namespace-agnostic path into a reply, as carrier.toml writes it (SPEC §9).
///
/// Syntax, on local names:
/// - `Envelope/Body/bookResponse/trackingNumber`: from the root element (the first step
///   names the root), child by child;
/// - `//trackingNumber`: the first element of that name anywhere, in document order;
///   `//result/parcel/number` continues child by child from there;
/// - `*` matches any element; a last step `@code` reads an attribute.
///
/// A path selects the first match; its value is the element's text, trimmed.
public struct XMLPath: Hashable, Sendable, CustomStringConvertible {
    enum Step: Hashable, Sendable {
        case child(String)
        case descendant(String)
        case attribute(String)
    }

    let steps: [Step]
    public let description: String

    /// Parses `text`, or says what is wrong with it.
    public init(_ text: String) throws(XMLPathError) {
        var rest = Substring(text.trimmingSpaces)
        var steps: [Step] = []
        guard !rest.isEmpty else { throw XMLPathError(path: text, reason: "empty path") }
        var descendant = false
        if rest.hasPrefix("//") {
            descendant = true
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix("/") {
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            guard !part.isEmpty else {
                throw XMLPathError(path: text, reason: "empty step (only a leading // is allowed)")
            }
            if part.hasPrefix("@") {
                guard index == parts.count - 1, part.count > 1, steps.isEmpty == false || descendant == false else {
                    throw XMLPathError(path: text, reason: "an attribute step (@name) must be the last of several")
                }
                steps.append(.attribute(String(part.dropFirst())))
                continue
            }
            guard part == "*" || part.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                throw XMLPathError(path: text, reason: "'\(part)' is not a local name (prefixes are not used: paths ignore namespaces)")
            }
            steps.append(descendant && index == 0 ? .descendant(String(part)) : .child(String(part)))
        }
        if case .attribute = steps.first { throw XMLPathError(path: text, reason: "an attribute needs an element before it") }
        self.steps = steps
        self.description = text
    }

    /// The text of the first match, trimmed, or nil when nothing matches.
    public func value(in root: XMLElement) -> String? {
        guard let first = steps.first else { return nil }
        switch first {
        case .child(let name):
            guard name == "*" || root.name == name else { return nil }
            return value(from: root, steps: steps.dropFirst())
        case .descendant(let name):
            if name == "*" || root.name == name, let found = value(from: root, steps: steps.dropFirst()) { return found }
            return firstValue(below: root, named: name)
        case .attribute:
            return nil
        }
    }

    /// The text of the first match taken relative to `element`: the first step names one of
    /// its children (`code`, `site/name`), or with `//` any element below it. This is how an
    /// event's fields are read from each element an events path selects.
    public func value(below element: XMLElement) -> String? {
        guard let first = steps.first else { return nil }
        switch first {
        case .child:
            return value(from: element, steps: steps[...])
        case .descendant(let name):
            return firstValue(below: element, named: name)
        case .attribute:
            return nil
        }
    }

    /// Every element the path selects, in document order (an attribute path selects none):
    /// a list of events, where ``value(in:)`` would take the first only.
    public func elements(in root: XMLElement) -> [XMLElement] {
        guard let first = steps.first else { return [] }
        var found: [XMLElement] = []
        switch first {
        case .child(let name):
            if name == "*" || root.name == name { collect(from: root, steps: steps.dropFirst(), into: &found) }
        case .descendant(let name):
            collectDescendants(of: root, named: name, including: true, into: &found)
        case .attribute:
            break
        }
        return found
    }

    private func collectDescendants(of element: XMLElement, named name: String, including: Bool, into found: inout [XMLElement]) {
        if including, name == "*" || element.name == name { collect(from: element, steps: steps.dropFirst(), into: &found) }
        for child in element.children { collectDescendants(of: child, named: name, including: true, into: &found) }
    }

    private func collect(from element: XMLElement, steps: ArraySlice<Step>, into found: inout [XMLElement]) {
        guard let step = steps.first else {
            found.append(element)
            return
        }
        switch step {
        case .attribute:
            return
        case .child(let name), .descendant(let name):
            for child in element.children where name == "*" || child.name == name {
                collect(from: child, steps: steps.dropFirst(), into: &found)
            }
        }
    }

    /// Whether anything matches.
    public func matches(_ root: XMLElement) -> Bool { value(in: root) != nil }

    private func firstValue(below element: XMLElement, named name: String) -> String? {
        for child in element.children {
            if name == "*" || child.name == name, let found = value(from: child, steps: steps.dropFirst()) { return found }
            if let found = firstValue(below: child, named: name) { return found }
        }
        return nil
    }

    private func value(from element: XMLElement, steps: ArraySlice<Step>) -> String? {
        guard let step = steps.first else { return element.text.trimmingSpaces }
        switch step {
        case .attribute(let name):
            return element.attributes[name]?.trimmingSpaces
        case .child(let name), .descendant(let name):
            for child in element.children where name == "*" || child.name == name {
                if let found = value(from: child, steps: steps.dropFirst()) { return found }
            }
            return nil
        }
    }
}

/// A path in carrier.toml that cannot be read.
public struct XMLPathError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "path '\(path)': \(reason)" }
}

extension StringProtocol {
    var trimmingSpaces: String {
        let scalars = String(self).unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(Substring(scalars[start...end]))
    }
}
