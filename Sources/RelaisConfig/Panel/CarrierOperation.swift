import Mustache
import RelaisCore
import RelaisXML

/// One HTTP request of a carrier's API and how to read its reply (SPEC §9): `book`,
/// `login`, `lookup`, `cancel`, … under `[api.<name>]` of carrier.toml.
///
/// The format is documented for people who add a carrier in `docs/carriers.md`.
public struct CarrierOperation: Hashable, Sendable {
    public enum SOAPVersion: String, Hashable, Sendable {
        case v1_1 = "1.1"
        case v1_2 = "1.2"
    }

    public var name: String
    /// `POST`, `PUT` or `GET`.
    public var method: String
    /// Appended to `[api] base_url`.
    public var path: String
    /// Extra headers; values are templates (`Bearer {{token}}`).
    public var headers: [String: Template]
    /// SOAP envelopes and faults; nil for REST-XML.
    public var soap: SOAPVersion?
    public var soapAction: String?
    /// The request body; nil for a body-less GET.
    public var body: Template?
    public var reply: ReplyMapping
    /// A digest that the carrier demands in the request (Mondial Relay's `Security`).
    public var signature: Signature?
    /// For `login`: how long a token lives, seconds.
    public var tokenTTLSeconds: Int?
    /// For `track`: the events of the reply and the carrier's codes as statuses.
    public var track: TrackReading?

    public init(
        name: String, method: String, path: String, headers: [String: Template] = [:], soap: SOAPVersion? = nil,
        soapAction: String? = nil, body: Template?, reply: ReplyMapping, signature: Signature? = nil,
        tokenTTLSeconds: Int? = nil
    ) {
        self.name = name
        self.method = method
        self.path = path
        self.headers = headers
        self.soap = soap
        self.soapAction = soapAction
        self.body = body
        self.reply = reply
        self.signature = signature
        self.tokenTTLSeconds = tokenTTLSeconds
    }

    /// A compiled Mustache template that only escapes: `{{{ }}}`, `{{& }}`, delimiter
    /// changes and pragmas (`{{% CONTENT_TYPE: TEXT }}` turns escaping off) are refused at
    /// load, so every value lands XML-escaped.
    public struct Template: Hashable, Sendable {
        public let file: String
        public let text: String
        public let compiled: MustacheTemplate
        /// Plans for rendering without Mustache's lookups (``TemplatePlan``).
        let plans: TemplatePlans

        public init(file: String, text: String) throws(TemplateError) {
            if let unsafe = ["{{{", "{{&", "{{=", "{{%"].first(where: { text.contains($0) }), let found = text.range(of: unsafe) {
                let line = text[..<found.lowerBound].textLines().count
                throw TemplateError(line: line, message: "'\(unsafe)' is not allowed: every value must be XML-escaped")
            }
            do {
                // The pragma on a line of its own: a standalone tag, dropped with its line break,
                // so the template's own first line keeps its standalone tags. Lines are counted
                // from the template's first line.
                compiled = try MustacheTemplate(string: XMLContentType.pragma + "\n" + text)
            } catch let error as MustacheTemplate.ParserError {
                throw TemplateError(line: max(1, error.context.lineNumber - 1), message: "\(error.error)")
            } catch {
                throw TemplateError(line: nil, message: "\(error)")
            }
            self.file = file
            self.text = text
            plans = TemplatePlans(text: text)
        }

        /// The template rendered for a request's context, as ``compiled`` would render it.
        public func render(_ context: TemplateTable) -> String { plans.render(context, with: compiled) }

        public static func == (lhs: Template, rhs: Template) -> Bool { lhs.file == rhs.file && lhs.text == rhs.text }
        public func hash(into hasher: inout Hasher) { hasher.combine(text) }
    }

    public struct TemplateError: Error, Sendable {
        public var line: Int?
        public var message: String
    }

    /// A test on the reply: the path has a non-empty value, or, with `equals`, that value.
    public struct ReplyTest: Hashable, Sendable {
        public var path: XMLPath
        public var equals: String?

        public init(path: XMLPath, equals: String? = nil) {
            self.path = path
            self.equals = equals
        }

        public func holds(in root: XMLElement) -> Bool {
            guard let value = path.value(in: root) else { return false }
            if let equals { return value == equals }
            return !value.isEmpty
        }
    }

    /// Where the reply carries what Relais needs.
    public struct ReplyMapping: Hashable, Sendable {
        /// The call did what was asked (`book`: booked; `lookup`: found).
        public var success: ReplyTest?
        /// `lookup` only: the carrier says it has no such shipment.
        public var notFound: ReplyTest?
        public var tracking: XMLPath?
        /// Inline base64 label.
        public var label: XMLPath?
        /// A link to the label, fetched with a GET.
        public var labelURL: XMLPath?
        /// The file extension labels are written with.
        public var labelFormat: String = "pdf"
        /// The carrier's own price, a decimal in the carrier's currency.
        public var price: XMLPath?
        public var errorCode: XMLPath?
        public var errorMessage: XMLPath?
        /// Carrier error codes that mean "try again later" rather than "refused".
        public var transientCodes: Set<String> = []
        /// `login`: the token.
        public var token: XMLPath?
        /// `manifest`: the carrier's document (a bordereau), inline base64, kept as a PDF.
        public var document: XMLPath?
        /// `manifest`: the carrier's number for the manifest.
        public var manifestNumber: XMLPath?
        /// The reply says the login token was refused (DPD's `authenticationFault`, sent as
        /// a SOAP fault with HTTP 500 rather than a 401): log in again and resend once.
        public var tokenRefused: ReplyTest?

        public init() {}
    }

    /// `hex(digest(values of fields, concatenated))`, placed in the template context as
    /// `signature`. Fields are context paths (`credentials.key`, `recipient.postcode`).
    public struct Signature: Hashable, Sendable {
        public enum Algorithm: String, Hashable, Sendable { case md5, sha1, sha256 }
        public var algorithm: Algorithm
        /// The context's values signed, by dotted name (`credentials.key`).
        public var fields: [String] { didSet { paths = Self.paths(fields) } }
        public var uppercase: Bool
        /// ``fields``, each split at its dots once: a booking's signature looks them up
        /// without splitting names again.
        public private(set) var paths: [[String]]

        public init(algorithm: Algorithm, fields: [String], uppercase: Bool) {
            self.algorithm = algorithm
            self.fields = fields
            self.uppercase = uppercase
            paths = Self.paths(fields)
        }

        private static func paths(_ fields: [String]) -> [[String]] {
            fields.map { $0.split(separator: ".").map(String.init) }
        }
    }
}
