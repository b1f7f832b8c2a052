/// One element of a parsed XML document, detached from libxml2.
///
/// Names are local names: carriers' replies are read with namespace-agnostic paths
/// (SPEC §9), because the same field travels under `ns2:`, `soap:` or no prefix at all
/// depending on the carrier's SOAP stack. The namespace URI is kept for SOAP version checks.
public struct XMLElement: Hashable, Sendable {
    public var name: String
    public var namespace: String?
    public var attributes: [String: String]
    public var children: [XMLElement]
    /// The element's own character data (text and CDATA), children's text excluded.
    public var text: String

    public init(
        name: String, namespace: String? = nil, attributes: [String: String] = [:], children: [XMLElement] = [],
        text: String = ""
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// The first element named `name` at any depth below this one, in document order.
    public func descendant(_ name: String) -> XMLElement? {
        for child in children {
            if child.name == name { return child }
            if let found = child.descendant(name) { return found }
        }
        return nil
    }

    /// The first element at any depth below this one for which `matches` holds, in document order.
    public func firstDescendant(where matches: (XMLElement) -> Bool) -> XMLElement? {
        for child in children {
            if matches(child) { return child }
            if let found = child.firstDescendant(where: matches) { return found }
        }
        return nil
    }
}
