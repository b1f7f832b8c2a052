import Foundation
import RelaisXML

/// How relais-sandbox plays one carrier: `carriers/<id>/sandbox.toml` and the reply
/// templates beside it (docs/carriers.md, "The sandbox"). relaisd never reads it.
public struct SandboxDefinition: Sendable {
    public typealias Template = CarrierOperation.Template

    /// Tracking numbers as the carrier shapes them; `#` is a random digit.
    public var trackingPattern: String
    public var book: Book
    public var login: Template?
    public var lookup: Lookup?
    public var cancel: Cancel?
    public var manifest: Manifest?
    /// How tracking is played; nil when the carrier has no `[track]`.
    public var track: Track?
    /// Labels served as links: GET `<labelPath><tracking>`.
    public var labelPath: String?
    public var fault: Template

    public struct Book: Sendable {
        public var reference: XMLPath
        public var service: XMLPath?
        public var token: XMLPath?
        public var reply: Template
        public var refusal: Template
        public var refusalStatus: Int
        public var refusalCode: String
        public var refusalMessage: String
        /// The reply to a token the sandbox did not issue (DPD: an authenticationFault in a
        /// SOAP fault, HTTP 500); nil: the fault template, HTTP 401.
        public var tokenRefusal: Template?
        public var tokenRefusalStatus: Int
    }

    public struct Lookup: Sendable {
        public var reference: XMLPath
        public var found: Template
        public var notFound: Template
    }

    /// How the carrier's `[api.cancel]` is played: the ledger's booking is marked void.
    public struct Cancel: Sendable {
        /// Where the request carries the tracking number to cancel.
        public var tracking: XMLPath
        public var token: XMLPath?
        public var reply: Template
        /// The carrier's refusal: a `permanent` knob, or a tracking number it never issued.
        public var refusal: Template
        public var refusalStatus: Int
        public var refusalCode: String
        public var refusalMessage: String
    }

    /// How the carrier's `[api.manifest]` is played: the parcels it names are taken over
    /// once; the same parcels again get the same manifest number, never a second manifest.
    public struct Manifest: Sendable {
        /// The local name of the request's element under the SOAP Body (or its root) that
        /// marks this operation, when it shares its path with another (Colissimo's SLS).
        public var request: String?
        /// The local name of the elements that each carry a tracking number.
        public var parcel: String
        public var reply: Template
        /// For a parcel the carrier never issued.
        public var refusal: Template
        public var refusalStatus: Int
        /// The carrier's manifest numbers; `#` is a random digit.
        public var numberPattern: String
    }

    /// `[track]`: where a tracking request carries the number, the reply, and the
    /// carrier's code for each stage of a journey.
    public struct Track: Sendable {
        public var number: XMLPath
        /// Sees `number`, `events` (each with `code`, `label`, `location`, `at`, `date`,
        /// `time`) and `last` (the latest reported, for carriers that answer one event).
        public var reply: Template
        /// The reply for a number the ledger does not hold; nil: the fault template.
        public var notFound: Template?
        /// Stage (a status name, or `unknown`) → the carrier's code.
        public var codes: [String: String]
        /// Stage → the carrier's wording; absent stages read "<code> (sandbox)".
        public var labels: [String: String]

        /// The stages the sandbox's journeys pass through: `[track.codes]` gives each one.
        public static let stages = [
            "pre_transit", "in_transit", "out_for_delivery", "delivery_failed", "available_for_pickup", "delivered",
            "returned_to_sender", "unknown",
        ]
    }

    /// Loads `directory/sandbox.toml`; nil when the carrier has none.
    public static func load(directory: String, displayPath: String) throws(ConfigError) -> SandboxDefinition? {
        let url = URL(fileURLWithPath: directory)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("sandbox.toml").path) else { return nil }
        let log = DiagnosticLog()
        let file = displayPath + "/sandbox.toml"
        guard let text = FileText.read(url.appendingPathComponent("sandbox.toml"), file: file, log: log),
            let document = TOMLDocument.parse(text: text, file: file, log: log)
        else { throw ConfigError(log.diagnostics) }
        let root = TableReader(root: document, log: log)
        func template(_ table: TableReader, _ key: String) -> Template? {
            guard let name = table.string(key, required: true) else { return nil }
            let display = "\(displayPath)/\(name)"
            guard let text = FileText.read(url.appendingPathComponent(name), file: display, log: log) else { return nil }
            do {
                return try Template(file: display, text: text)
            } catch {
                log.error(display, line: error.line, error.message)
                return nil
            }
        }
        func path(_ table: TableReader, _ key: String, required: Bool = false) -> XMLPath? {
            guard let text = table.string(key, required: required) else { return nil }
            do { return try XMLPath(text) } catch {
                table.error(key, "\(error)")
                return nil
            }
        }
        let tracking = root.string("tracking", required: true) ?? "#"
        var book: Book?
        if let table = root.table("book", required: true) {
            let reference = path(table, "reference", required: true)
            let service = path(table, "service")
            let token = path(table, "token")
            let reply = template(table, "reply")
            let refusal = template(table, "refusal")
            let status = table.integer("refusal_status", range: 200...599) ?? 200
            let code = table.string("refusal_code") ?? "REFUSED"
            let message = table.string("refusal_message") ?? "refused by the sandbox"
            let tokenRefusal = table.has("token_refusal") ? template(table, "token_refusal") : nil
            let tokenRefusalStatus = table.integer("token_refusal_status", range: 200...599) ?? 401
            if token == nil, table.has("token_refusal") || table.has("token_refusal_status") {
                table.error(table.has("token_refusal") ? "token_refusal" : "token_refusal_status", "a token refusal needs book.token")
            }
            table.finish()
            if let reference, let reply, let refusal {
                book = Book(
                    reference: reference, service: service, token: token, reply: reply, refusal: refusal,
                    refusalStatus: status, refusalCode: code, refusalMessage: message, tokenRefusal: tokenRefusal,
                    tokenRefusalStatus: tokenRefusalStatus)
            }
        }
        var login: Template?
        if let table = root.table("login") {
            login = template(table, "reply")
            table.finish()
        }
        var lookup: Lookup?
        if let table = root.table("lookup") {
            let reference = path(table, "reference", required: true)
            let found = template(table, "found")
            let notFound = template(table, "not_found")
            table.finish()
            if let reference, let found, let notFound { lookup = Lookup(reference: reference, found: found, notFound: notFound) }
        }
        var cancel: Cancel?
        if let table = root.table("cancel") {
            let trackingPath = path(table, "tracking", required: true)
            let token = path(table, "token")
            let reply = template(table, "reply")
            let refusal = template(table, "refusal")
            let status = table.integer("refusal_status", range: 200...599) ?? 200
            let code = table.string("refusal_code") ?? "REFUSED"
            let message = table.string("refusal_message") ?? "cancel refused by the sandbox"
            table.finish()
            if let trackingPath, let reply, let refusal {
                cancel = Cancel(
                    tracking: trackingPath, token: token, reply: reply, refusal: refusal, refusalStatus: status, refusalCode: code,
                    refusalMessage: message)
            }
        }
        var manifest: Manifest?
        if let table = root.table("manifest") {
            let request = table.string("request")
            let parcel = table.string("parcel", required: true)
            let reply = template(table, "reply")
            let refusal = template(table, "refusal")
            let status = table.integer("refusal_status", range: 200...599) ?? 200
            let number = table.string("number") ?? "########"
            table.finish()
            if let parcel, let reply, let refusal {
                manifest = Manifest(
                    request: request, parcel: parcel, reply: reply, refusal: refusal, refusalStatus: status, numberPattern: number)
            }
        }
        var track: Track?
        if let table = root.table("track") {
            let number = path(table, "number", required: true)
            let reply = template(table, "reply")
            let notFound = table.has("not_found") ? template(table, "not_found") : nil
            var codes: [String: String] = [:]
            var labels: [String: String] = [:]
            if let codeTable = table.table("codes", required: true) {
                for stage in codeTable.allKeys() {
                    guard Track.stages.contains(stage) else {
                        codeTable.error(stage, "'\(stage)' is not a stage: one of \(Track.stages.joined(separator: ", "))")
                        continue
                    }
                    codes[stage] = codeTable.string(stage)
                }
                for stage in Track.stages where codes[stage] == nil {
                    codeTable.error(nil, "[track.codes] needs a code for '\(stage)'")
                }
                codeTable.finish()
            }
            if let labelTable = table.table("labels") {
                for stage in labelTable.allKeys() { labels[stage] = labelTable.string(stage) }
                labelTable.finish()
            }
            table.finish()
            if let number, let reply { track = Track(number: number, reply: reply, notFound: notFound, codes: codes, labels: labels) }
        }
        var labelPath: String?
        if let table = root.table("label") {
            labelPath = table.string("path", required: true)
            table.finish()
        }
        var fault: Template?
        if let table = root.table("fault", required: true) {
            fault = template(table, "template")
            table.finish()
        }
        root.finish()
        guard !log.hasErrors, let book, let fault else { throw ConfigError(log.diagnostics) }
        return SandboxDefinition(
            trackingPattern: tracking, book: book, login: login, lookup: lookup, cancel: cancel, manifest: manifest, track: track,
            labelPath: labelPath, fault: fault)
    }
}
