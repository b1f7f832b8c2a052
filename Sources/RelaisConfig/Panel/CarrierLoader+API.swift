import Foundation
import RelaisXML

/// `[api]` and its operations (SPEC §9; the format is in docs/carriers.md).
extension CarrierLoader {
    /// Operations carrier.toml may describe. `book` is required; `login` runs before the
    /// others when present; `lookup` reconciles uncertain bookings; `track` polls a parcel's
    /// events (SPEC §13); `cancel` cancels a booked shipment and `manifest` hands the day's
    /// parcels over (SPEC §14).
    static let operationNames = ["login", "book", "lookup", "cancel", "manifest", "track"]

    static func loadAPI(_ table: TableReader?, directory: URL, displayPath: String) -> CarrierAPISettings? {
        guard let table else { return nil }
        let baseURL = table.string("base_url", required: true)
        if let baseURL, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            table.error("base_url", "base_url '\(baseURL)' must start with http:// or https://")
        }
        let timeout = table.number("timeout_s", range: 0.1...300, rangeText: "0.1…300 s") ?? 15
        let inFlight = table.integer("max_in_flight", range: 1...1024) ?? 8
        let rate = table.number("rate_per_s", range: 0.01...100_000, rangeText: "0.01…100000 calls per second")
        let credentials = table.string("credentials")
        if let credentials, credentials.contains("/") || credentials.hasPrefix(".") {
            table.error("credentials", "credentials names a file in $CREDENTIALS_DIRECTORY, without '/'")
        }
        var operations: [String: CarrierOperation] = [:]
        let hasLogin = table.has("login")
        var cancelsLocally = false
        for name in operationNames {
            guard let opTable = table.table(name) else { continue }
            // A carrier without a cancel call says so: `[api.cancel] local = true`, and nothing else.
            if name == "cancel", opTable.has("local") {
                cancelsLocally = opTable.bool("local") ?? false
                if let other = opTable.allKeys().first(where: { $0 != "local" }) {
                    opTable.error(other, "[api.cancel] with 'local' takes no other key: there is no call to describe")
                } else if !cancelsLocally {
                    opTable.error("local", "local = false: describe the cancel call (path, template, success), or drop [api.cancel]")
                }
                continue
            }
            if opTable.has("token_refused") {
                if name != "book" && name != "lookup" {
                    opTable.error("token_refused", "token_refused applies to [api.book] and [api.lookup] only")
                } else if !hasLogin {
                    opTable.error("token_refused", "token_refused needs an [api.login] operation: there is no token to refuse")
                }
            }
            if let operation = loadOperation(opTable, name: name, directory: directory, displayPath: displayPath) {
                operations[name] = operation
            }
        }
        if !table.has("book") { table.error(nil, "[api] needs a [api.book] operation") }
        table.finish()
        guard let baseURL else { return nil }
        var settings = CarrierAPISettings(
            baseURL: baseURL, timeoutSeconds: timeout, maxInFlight: inFlight, ratePerSecond: rate,
            credentials: credentials, operations: operations)
        settings.cancelsLocally = cancelsLocally
        return settings
    }

    private static func loadOperation(_ table: TableReader, name: String, directory: URL, displayPath: String)
        -> CarrierOperation?
    {
        let errorsBefore = table.log.errorCount
        let method = table.string("method") ?? "POST"
        if !["POST", "GET", "PUT"].contains(method) { table.error("method", "method must be POST, GET or PUT") }
        let path = table.string("path", required: true)
        if let path, !path.hasPrefix("/") { table.error("path", "path '\(path)' must start with '/'") }
        var soap: CarrierOperation.SOAPVersion?
        if let text = table.string("soap") {
            soap = CarrierOperation.SOAPVersion(rawValue: text)
            if soap == nil { table.error("soap", "soap must be \"1.1\" or \"1.2\", found \"\(text)\"") }
        }
        let soapAction = table.string("soap_action")
        if soapAction != nil, soap == nil { table.error("soap_action", "soap_action needs soap = \"1.1\" or \"1.2\"") }

        var body: CarrierOperation.Template?
        if let file = table.string("template", required: method != "GET") {
            body = loadTemplate(file: file, table: table, key: "template", directory: directory, displayPath: displayPath)
        }
        var headers: [String: CarrierOperation.Template] = [:]
        if let headerTable = table.table("headers") {
            for key in headerTable.allKeys() {
                guard let value = headerTable.string(key) else { continue }
                guard !key.isEmpty, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3A }) else {
                    headerTable.error(key, "'\(key)' is not an HTTP header name")
                    continue
                }
                if value.contains("\r") || value.contains("\n") {
                    headerTable.error(key, "header '\(key)' may not hold a line break")
                    continue
                }
                do {
                    headers[key] = try CarrierOperation.Template(file: "\(displayPath)/carrier.toml", text: value)
                } catch {
                    headerTable.error(key, "header '\(key)': \(error.message)")
                }
            }
        }

        var reply = CarrierOperation.ReplyMapping()
        reply.success = test(table, "success")
        reply.notFound = test(table, "not_found")
        reply.tracking = replyPath(table, "tracking")
        reply.label = replyPath(table, "label")
        reply.labelURL = replyPath(table, "label_url")
        if reply.label != nil, reply.labelURL != nil {
            table.error("label_url", "a label is either inline (label) or a link (label_url), not both")
        }
        if let format = table.string("label_format") {
            if ["pdf", "zpl", "png"].contains(format) { reply.labelFormat = format } else {
                table.error("label_format", "label_format must be pdf, zpl or png")
            }
        }
        reply.price = replyPath(table, "price")
        reply.errorCode = replyPath(table, "error_code")
        reply.errorMessage = replyPath(table, "error_message")
        reply.transientCodes = Set(table.strings("transient_codes") ?? [])
        reply.tokenRefused = test(table, "token_refused")
        reply.token = replyPath(table, "token")
        reply.document = replyPath(table, "document")
        reply.manifestNumber = replyPath(table, "manifest_number")
        let ttl = table.integer("token_ttl_s", range: 1...86_400 * 30)

        var signature: CarrierOperation.Signature?
        if let signTable = table.table("signature") {
            let algorithmText = signTable.string("algorithm") ?? "md5"
            let algorithm = CarrierOperation.Signature.Algorithm(rawValue: algorithmText)
            if algorithm == nil { signTable.error("algorithm", "algorithm must be md5, sha1 or sha256") }
            let fields = signTable.strings("fields", required: true) ?? []
            if signTable.has("fields"), fields.isEmpty { signTable.error("fields", "a signature needs at least one field") }
            let uppercase = signTable.bool("uppercase") ?? false
            signTable.finish()
            if let algorithm, !fields.isEmpty {
                signature = .init(algorithm: algorithm, fields: fields, uppercase: uppercase)
            }
        }

        let track = name == "track" ? loadTrackReading(table) : nil

        switch name {
        case "book":
            if reply.success == nil { table.error(nil, "[api.book] needs 'success': the test that the carrier booked") }
            if reply.tracking == nil { table.error(nil, "[api.book] needs 'tracking': where the tracking number is") }
        case "login":
            if reply.token == nil { table.error(nil, "[api.login] needs 'token': where the token is") }
            if ttl == nil { table.error(nil, "[api.login] needs 'token_ttl_s': how long a token may be reused") }
        case "lookup":
            if reply.success == nil || reply.notFound == nil || reply.tracking == nil {
                table.error(nil, "[api.lookup] needs 'success' (found), 'not_found' and 'tracking'")
            }
        case "cancel":
            if reply.success == nil { table.error(nil, "[api.cancel] needs 'success': the test that the carrier cancelled") }
        case "manifest":
            if reply.success == nil { table.error(nil, "[api.manifest] needs 'success': the test that the carrier took the manifest") }
        default:
            break
        }
        table.finish()
        guard table.log.errorCount == errorsBefore, let path else { return nil }
        var operation = CarrierOperation(
            name: name, method: method, path: path, headers: headers, soap: soap, soapAction: soapAction, body: body,
            reply: reply, signature: signature, tokenTTLSeconds: ttl)
        operation.track = track
        return operation
    }

    private static func loadTemplate(file: String, table: TableReader, key: String, directory: URL, displayPath: String)
        -> CarrierOperation.Template?
    {
        guard !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
            table.error(key, "template '\(file)' must be a path inside the carrier folder")
            return nil
        }
        let display = "\(displayPath)/\(file)"
        guard let text = FileText.read(inside: directory, file, file: display, log: table.log) else {
            return nil
        }
        do {
            return try CarrierOperation.Template(file: display, text: text)
        } catch {
            table.log.error(display, line: error.line, error.message)
            return nil
        }
    }

    private static func replyPath(_ table: TableReader, _ key: String) -> XMLPath? {
        guard let text = table.string(key) else { return nil }
        do {
            return try XMLPath(text)
        } catch {
            table.error(key, "'\(key)': \(error)")
            return nil
        }
    }

    /// `key = "path"` (a non-empty value) or `key = { path = "…", equals = "…" }`.
    private static func test(_ table: TableReader, _ key: String) -> CarrierOperation.ReplyTest? {
        guard let node = table.node(key) else { return nil }
        switch node {
        case .string:
            return replyPath(table, key).map { .init(path: $0) }
        case .table:
            guard let sub = table.table(key) else { return nil }
            let found = replyPath(sub, "path")
            if !sub.has("path") { sub.error(nil, "'\(key)' needs 'path'") }
            let equals = sub.string("equals")
            sub.finish()
            return found.map { .init(path: $0, equals: equals) }
        default:
            table.error(key, "'\(key)' must be a path or { path = \"…\", equals = \"…\" }")
            return nil
        }
    }
}
