import CLibXML2

/// The one way Relais reads XML: libxml2, hardened.
///
/// Rules, and why:
/// 1. **No document type declaration.** A `<!DOCTYPE` stops the parser the moment it is met,
///    before any declaration is read: no entity can be declared (billion laughs) or loaded
///    from a file or the network (XXE). Carriers' web services never send one.
/// 2. **No network, no entity substitution, no DTD loading** (`XML_PARSE_NONET`, and neither
///    `NOENT` nor `DTDLOAD`): belt and braces for rule 1.
/// 3. **A size limit before parsing**, and libxml2's own depth and text-node limits (we never
///    pass `XML_PARSE_HUGE`).
/// 4. **Errors are values**: libxml2's structured error callback collects them (nothing is
///    printed), and the first is returned with its line and column. Malformed input is an
///    error, never silently repaired (`XML_PARSE_RECOVER` is not set).
///
/// The result is a tree of plain Swift values; the libxml2 document is freed before
/// `parse` returns.
public enum XML {
    /// The default limit for a carrier's reply: labels travel inline as base64 PDFs.
    public static let defaultMaxBytes = 8 << 20

    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// Parses `bytes` and returns the root element.
    public static func parse(_ bytes: [UInt8], maxBytes: Int = defaultMaxBytes) throws(XMLError) -> XMLElement {
        guard !bytes.isEmpty, bytes.contains(where: { !isXMLSpace($0) }) else { throw .empty }
        guard bytes.count <= maxBytes, bytes.count <= Int(Int32.max) else {
            throw XMLError.tooLarge.with(message: "document of \(bytes.count) bytes exceeds the limit of \(maxBytes)")
        }
        _ = initialised
        let state = ParseState()
        return try withExtendedLifetime(state) { () throws(XMLError) -> XMLElement in
            try parse(bytes, state: state)
        }
    }

    /// Parses UTF-8 `text`; see ``parse(_:maxBytes:)``.
    public static func parse(_ text: String, maxBytes: Int = defaultMaxBytes) throws(XMLError) -> XMLElement {
        try parse(Array(text.utf8), maxBytes: maxBytes)
    }

    private static func isXMLSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func parse(_ bytes: [UInt8], state: ParseState) throws(XMLError) -> XMLElement {
        guard let context = xmlNewParserCtxt() else { throw XMLError.malformed.with(message: "libxml2: out of memory") }
        defer { xmlFreeParserCtxt(context) }
        let opaque = Unmanaged.passUnretained(state).toOpaque()
        context.pointee._private = opaque
        // Rule 1: the SAX handler is the context's own copy, so this touches no other parse.
        context.pointee.sax.pointee.internalSubset = { parser, _, _, _ in
            guard let parser else { return }
            let context = parser.assumingMemoryBound(to: xmlParserCtxt.self)
            if let opaque = context.pointee._private {
                Unmanaged<ParseState>.fromOpaque(opaque).takeUnretainedValue().sawDoctype = true
            }
            xmlStopParser(context)
        }
        // Rule 4. The handler is per thread in libxml2; `parse` runs to completion on this
        // thread, and the previous handler is put back.
        let previousHandler = __xmlStructuredError().pointee
        let previousContext = __xmlStructuredErrorContext().pointee
        xmlSetStructuredErrorFunc(opaque) { opaque, error in
            guard let opaque, let error else { return }
            let state = Unmanaged<ParseState>.fromOpaque(opaque).takeUnretainedValue()
            state.record(error.pointee)
        }
        defer { xmlSetStructuredErrorFunc(previousContext, previousHandler) }

        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                xmlCtxtReadMemory(context, chars.baseAddress, Int32(chars.count), "reply.xml", nil, options)
            }
        }
        defer { if let document { xmlFreeDoc(document) } }

        if state.sawDoctype { throw XMLError.doctype }
        if let error = state.firstError { throw error }
        guard let document, context.pointee.wellFormed != 0, let root = xmlDocGetRootElement(document) else {
            throw XMLError.malformed.with(message: "no root element")
        }
        if document.pointee.intSubset != nil || document.pointee.extSubset != nil { throw XMLError.doctype }
        return try element(root)
    }

    private static func element(_ node: xmlNodePtr) throws(XMLError) -> XMLElement {
        var result = XMLElement(name: String(cString: node.pointee.name))
        if let namespace = node.pointee.ns, let href = namespace.pointee.href {
            result.namespace = String(cString: href)
        }
        var attribute = node.pointee.properties
        while let current = attribute {
            var value = ""
            var child = current.pointee.children
            while let text = child {
                if let content = text.pointee.content { value += String(cString: content) }
                child = text.pointee.next
            }
            result.attributes[String(cString: current.pointee.name)] = value
            attribute = current.pointee.next
        }
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                result.children.append(try element(current))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { result.text += String(cString: content) }
            case XML_ENTITY_REF_NODE, XML_ENTITY_NODE, XML_ENTITY_DECL:
                throw XMLError.entityReference.with(message: "entity reference '\(String(cString: current.pointee.name))'", line: Int(xmlGetLineNo(current)))
            default:
                break  // comments, processing instructions
            }
            child = current.pointee.next
        }
        return result
    }
}

/// What the libxml2 callbacks of one parse report back.
///
/// Safety of the unmanaged pointer: `parse` keeps the state alive for the whole parse and
/// the callbacks run synchronously inside it, on the same thread.
private final class ParseState {
    var sawDoctype = false
    var firstError: XMLError?

    func record(_ error: xmlError) {
        guard firstError == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = error.message.map { String(cString: $0) } ?? "not well-formed"
        while message.last?.isWhitespace == true { message.removeLast() }
        firstError = XMLError.malformed.with(
            message: message, line: error.line > 0 ? Int(error.line) : nil, column: error.int2 > 0 ? Int(error.int2) : nil)
    }
}
