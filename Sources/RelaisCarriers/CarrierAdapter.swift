import Foundation
import RelaisConfig
import RelaisCore
import RelaisXML
import Synchronization

/// One carrier's API, driven by its carrier.toml operations (SPEC §9): renders requests from
/// templates, sends them through the shared client, reads replies, caches the login token.
///
/// No carrier has code of its own: adding a carrier is adding a folder.
public final class CarrierAdapter: Sendable {
    public let carrierID: String
    public let api: CarrierAPISettings
    /// `[api] base_url`, or the sandbox's address for this carrier.
    public let baseURL: String
    let credentials: CarrierCredentials
    let http: CarrierHTTP
    let maxReplyBytes: Int
    private let token = Mutex<(value: String, expiresAt: Int64)?>(nil)

    public init(
        carrierID: String, api: CarrierAPISettings, baseURL: String? = nil, credentials: CarrierCredentials,
        http: CarrierHTTP, maxReplyBytes: Int = XML.defaultMaxBytes
    ) {
        self.carrierID = carrierID
        self.api = api
        self.baseURL = (baseURL ?? api.baseURL).trimmingSuffix("/")
        self.credentials = credentials
        self.http = http
        self.maxReplyBytes = maxReplyBytes
    }

    /// Whether a lookup by our reference can reconcile an uncertain booking.
    public var canLookUp: Bool { api.lookup != nil }

    /// Books `request`. Never throws: every failure comes back classed.
    public func book(_ request: BookingRequest) async -> Result<BookingConfirmation, CarrierFailure> {
        guard let operation = api.book else { return .failure(CarrierFailure(.permanent, "no [api.book] operation")) }
        let reader = ReplyReader(operation: operation, maxBytes: maxReplyBytes)
        let read = await withToken(now: request.now) { token in
            let context = TemplateContext(booking: request, credentials: credentials, token: token)
            return await call(operation, context: context).flatMap { reply in
                reader.readBooking(status: reply.status, body: reply.body)
            }
        }
        switch read {
        case .failure(let failure):
            return .failure(failure)
        case .success(let booked):
            var confirmation = BookingConfirmation(
                trackingNumber: booked.trackingNumber, label: nil, labelFormat: operation.reply.labelFormat)
            if let price = booked.price {
                confirmation.price = FixedPoint.parse(price, scale: 2, allowExcessDigits: false).map(Money.init(minorUnits:))
            }
            if let inline = booked.inlineLabel {
                if let bytes = Data(base64Encoded: inline, options: .ignoreUnknownCharacters), !bytes.isEmpty {
                    confirmation.label = Array(bytes)
                } else {
                    confirmation.labelProblem = "the inline label is not base64"
                }
            } else if let link = booked.labelURL {
                switch await fetchLabel(link) {
                case .success(let bytes): confirmation.label = bytes
                case .failure(let problem): confirmation.labelProblem = problem.message
                }
            } else if operation.reply.label != nil || operation.reply.labelURL != nil {
                confirmation.labelProblem = "the reply carries no label"
            }
            return .success(confirmation)
        }
    }

    /// Asks the carrier whether it holds a booking under our `reference`.
    public func lookup(reference: String, now: Int64) async -> LookupResult {
        guard let operation = api.lookup else { return .inconclusive("\(carrierID) has no lookup operation") }
        let reader = ReplyReader(operation: operation, maxBytes: maxReplyBytes)
        let read = await withToken(now: now) { token in
            let context = TemplateContext(reference: reference, credentials: credentials, token: token)
            return await call(operation, context: context).flatMap { reply in reader.readLookup(status: reply.status, body: reply.body) }
        }
        switch read {
        case .failure(let failure): return .inconclusive(failure.description)
        case .success(let result): return result
        }
    }

    /// Asks the carrier to cancel the booking of `reference`, which it numbered
    /// `trackingNumber` (SPEC §14). Never throws: success, or a failure classed as a
    /// booking's is (a refusal is permanent; a timeout after sending is an unknown outcome,
    /// which the caller records as pending and asks again).
    public func cancel(reference: String, trackingNumber: String, now: Int64) async -> Result<Void, CarrierFailure> {
        guard let operation = api.cancel else { return .failure(CarrierFailure(.permanent, "no [api.cancel] operation")) }
        let reader = ReplyReader(operation: operation, maxBytes: maxReplyBytes)
        return await withToken(now: now) { token in
            let context = TemplateContext(reference: reference, credentials: credentials, token: token, trackingNumber: trackingNumber)
            return await call(operation, context: context).flatMap { reply in
                reader.read(status: reply.status, body: reply.body).map { _ in () }
            }
        }
    }

    /// What a carrier's manifest call gave back.
    public struct ManifestReceipt: Hashable, Sendable {
        /// The carrier's number for the manifest (Colissimo's bordereau number).
        public var number: String?
        /// Its document (a PDF), when the reply carries one.
        public var document: [UInt8]?

        public init(number: String? = nil, document: [UInt8]? = nil) {
            self.number = number
            self.document = document
        }
    }

    /// Hands the day's parcels over to the carrier (`[api.manifest]`, SPEC §14). Never throws.
    public func closeManifest(
        id: String, pickupDate: String, parcels: [(trackingNumber: String, reference: String, weightKg: Double)], now: Int64
    ) async -> Result<ManifestReceipt, CarrierFailure> {
        guard let operation = api.manifest else { return .failure(CarrierFailure(.permanent, "no [api.manifest] operation")) }
        let reader = ReplyReader(operation: operation, maxBytes: maxReplyBytes)
        return await withToken(now: now) { token in
            let context = TemplateContext(manifest: id, pickupDate: pickupDate, parcels: parcels, credentials: credentials, token: token)
            return await call(operation, context: context).flatMap { reply in
                reader.read(status: reply.status, body: reply.body).map { root in
                    let document = operation.reply.document?.value(in: root).flatMap { Data(base64Encoded: $0, options: .ignoreUnknownCharacters) }
                    return ManifestReceipt(
                        number: operation.reply.manifestNumber?.value(in: root).flatMap { $0.isEmpty ? nil : $0 },
                        document: document.map { Array($0) })
                }
            }
        }
    }

    /// Runs `send` with the login token (nil without `[api.login]`). When the carrier
    /// refuses the token (it expired early, or the carrier restarted its sessions), the
    /// token is dropped, a new one fetched and `send` runs once more: a refused token means
    /// the carrier did nothing with the request, so resending cannot book twice.
    func withToken<Value>(
        now: Int64, _ send: (String?) async -> Result<Value, CarrierFailure>
    ) async -> Result<Value, CarrierFailure> {
        var refusedBefore = false
        while true {
            let token: String?
            switch await currentToken(now: now) {
            case .success(let value): token = value
            case .failure(let failure): return .failure(failure)
            }
            let result = await send(token)
            // Without a login (an API key), a 401 is just a transient failure.
            guard api.login != nil, case .failure(var failure) = result, failure.tokenRefused else { return result }
            dropToken(token)
            failure.message = "login token refused\(refusedBefore ? " again, with a new token" : ""): \(failure.message)"
            guard !refusedBefore else { return .failure(failure) }
            refusedBefore = true
        }
    }

    /// Renders and sends one operation. A value XML cannot carry is refused here, before
    /// anything leaves the process.
    func call(_ operation: CarrierOperation, context: TemplateContext) async -> Result<HTTPReply, CarrierFailure> {
        var context = context
        if let signature = operation.signature { context.sign(signature) }
        if let (path, character) = context.invalidValue() {
            let code = String(character.value, radix: 16, uppercase: true)
            return .failure(
                CarrierFailure(
                    .permanent, "\(path) holds U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code), which XML cannot carry",
                    refusedBeforeSending: true))
        }
        var headers: [(String, String)] = []
        var body: [UInt8]?
        if let template = operation.body {
            body = Array(context.render(template).utf8)
            switch operation.soap {
            case .v1_1:
                headers.append(("Content-Type", "text/xml; charset=utf-8"))
                headers.append(("SOAPAction", "\"\(operation.soapAction ?? "")\""))
            case .v1_2:
                var type = "application/soap+xml; charset=utf-8"
                if let action = operation.soapAction { type += "; action=\"\(action)\"" }
                headers.append(("Content-Type", type))
            case nil:
                headers.append(("Content-Type", "application/xml; charset=utf-8"))
            }
        }
        headers.append(("Accept", operation.soap == .v1_2 ? "application/soap+xml, text/xml" : "text/xml, application/xml"))
        for (name, template) in operation.headers.sorted(by: { $0.key < $1.key }) {
            let value = context.render(template)
            guard !value.contains("\r"), !value.contains("\n") else {
                return .failure(CarrierFailure(.permanent, "header \(name) would hold a line break", refusedBeforeSending: true))
            }
            headers.append((name, value))
        }
        return await http.send(
            method: operation.method, url: baseURL + operation.path, headers: headers, body: body,
            timeoutSeconds: api.timeoutSeconds, maxReplyBytes: maxReplyBytes)
    }

    /// The cached token, or a new one from `[api.login]`; nil when the carrier has no login.
    func currentToken(now: Int64) async -> Result<String?, CarrierFailure> {
        guard let login = api.login else { return .success(nil) }
        if let cached = token.withLock({ $0 }), cached.expiresAt > now { return .success(cached.value) }
        let context = TemplateContext(reference: nil, credentials: credentials, token: nil)
        switch await call(login, context: context) {
        case .failure(var failure):
            // A login that failed booked nothing, whatever happened to it.
            if failure.failureClass == .unknownOutcome { failure.failureClass = .transient }
            failure.message = "login: \(failure.message)"
            return .failure(failure)
        case .success(let reply):
            switch ReplyReader(operation: login, maxBytes: maxReplyBytes).readToken(status: reply.status, body: reply.body) {
            case .failure(var failure):
                if failure.failureClass == .unknownOutcome { failure.failureClass = .transient }
                // Refused credentials, not a refused token: logging in again will not help.
                failure.tokenRefused = false
                failure.message = "login: \(failure.message)"
                return .failure(failure)
            case .success(let value):
                // Renewed a minute early, so a token never expires between check and use.
                let lifetime = Int64(login.tokenTTLSeconds ?? 3600)
                token.withLock { $0 = (value, now + max(1, lifetime - 60)) }
                return .success(value)
            }
        }
    }

    /// Forgets the cached token if it is still `refused` (another call may have logged in
    /// again meanwhile).
    func dropToken(_ refused: String?) {
        token.withLock { cached in
            if cached?.value == refused { cached = nil }
        }
    }

    private func fetchLabel(_ link: String) async -> Result<[UInt8], CarrierFailure> {
        let url: String
        if link.hasPrefix("http://") || link.hasPrefix("https://") {
            url = link
        } else if link.hasPrefix("/") {
            url = baseURL + link
        } else {
            return .failure(CarrierFailure(.permanent, "label link '\(link.prefix(80))' is neither absolute nor rooted"))
        }
        switch await http.send(
            method: "GET", url: url, headers: [], body: nil, timeoutSeconds: api.timeoutSeconds, maxReplyBytes: maxReplyBytes)
        {
        case .failure(let failure):
            return .failure(CarrierFailure(failure.failureClass, "label fetch: \(failure.message)"))
        case .success(let reply) where (200...299).contains(reply.status) && !reply.body.isEmpty:
            return .success(reply.body)
        case .success(let reply):
            return .failure(CarrierFailure(.permanent, "label fetch: HTTP \(reply.status)", httpStatus: reply.status))
        }
    }
}

extension String {
    /// The string without any trailing `suffix`es (`"http://h//"` → `"http://h"`).
    public func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
