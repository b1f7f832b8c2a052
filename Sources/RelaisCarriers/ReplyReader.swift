import Foundation
import RelaisConfig
import RelaisCore
import RelaisXML

/// Reads a carrier's HTTP reply under an operation's mapping and says what it means.
///
/// Pure: status and bytes in, a verdict out, so that every failure class is tested without
/// sockets. The rules (SPEC §9):
/// - 2xx with a readable body: a SOAP fault is classed by its code (Server/Receiver →
///   transient, Client/Sender → permanent); the success test decides booked; otherwise the
///   carrier's error code, transient if listed in `transient_codes`, else permanent.
/// - 2xx that cannot be read (malformed, HTML, empty): **unknown outcome** — the carrier
///   said yes to something, and may have booked.
/// - 408, 429, 5xx: transient, unless a SOAP Client fault says the request itself is
///   wrong (SOAP 1.1 sends every fault with 500).
/// - 401, or a reply that passes the operation's `token_refused` test, whatever its
///   status: transient and `tokenRefused`: the adapter drops the token, logs in again and
///   resends once.
/// - other 4xx, and anything else: permanent, with the carrier's code and message if the
///   body has them.
public struct ReplyReader: Sendable {
    public var operation: CarrierOperation
    public var maxBytes: Int

    public init(operation: CarrierOperation, maxBytes: Int = XML.defaultMaxBytes) {
        self.operation = operation
        self.maxBytes = maxBytes
    }

    /// A reply that booked: the tracking number and where the label is.
    public struct Booked: Hashable, Sendable {
        public var trackingNumber: String
        public var inlineLabel: String?
        public var labelURL: String?
        public var price: String?
    }

    public func readBooking(status: Int, body: [UInt8]) -> Result<Booked, CarrierFailure> {
        switch read(status: status, body: body) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let root):
            guard let tracking = operation.reply.tracking?.value(in: root), !tracking.isEmpty else {
                return .failure(
                    CarrierFailure(.unknownOutcome, "the reply passed the success test but has no tracking number", httpStatus: status))
            }
            return .success(
                Booked(
                    trackingNumber: tracking, inlineLabel: operation.reply.label?.value(in: root),
                    labelURL: operation.reply.labelURL?.value(in: root), price: operation.reply.price?.value(in: root)))
        }
    }

    /// What a lookup's reply says; a failure only when the carrier refused the login token
    /// (the adapter logs in again and asks once more).
    public func readLookup(status: Int, body: [UInt8]) -> Result<LookupResult, CarrierFailure> {
        let parsed: Result<XMLElement, XMLError> = Result { () throws(XMLError) in try XML.parse(body, maxBytes: maxBytes) }
        if status == 401 || (try? parsed.get()).map({ refusesToken(status: status, root: $0) }) == true {
            let detail = (try? parsed.get()).flatMap(carrierError(in:)).map { ": \($0.message)" } ?? ""
            return .failure(CarrierFailure(.transient, "HTTP \(status)\(detail)", httpStatus: status, tokenRefused: true))
        }
        return .success(lookupResult(status: status, parsed: parsed))
    }

    private func lookupResult(status: Int, parsed: Result<XMLElement, XMLError>) -> LookupResult {
        guard !(500...599).contains(status) else { return .inconclusive("HTTP \(status)") }
        let root: XMLElement
        switch parsed {
        case .success(let value): root = value
        case .failure(let error): return .inconclusive("unreadable reply (HTTP \(status)): \(error)")
        }
        if operation.reply.notFound?.holds(in: root) == true { return .notBooked }
        if (200...299).contains(status), operation.reply.success?.holds(in: root) == true {
            guard let tracking = operation.reply.tracking?.value(in: root), !tracking.isEmpty else {
                return .inconclusive("found, but the reply has no tracking number")
            }
            return .booked(trackingNumber: tracking)
        }
        return .inconclusive(carrierError(in: root).map { "carrier error \($0.code ?? "?"): \($0.message)" } ?? "HTTP \(status)")
    }

    public func readToken(status: Int, body: [UInt8]) -> Result<String, CarrierFailure> {
        read(status: status, body: body).flatMap { root in
            guard let token = operation.reply.token?.value(in: root), !token.isEmpty else {
                return .failure(CarrierFailure(.transient, "login reply has no token", httpStatus: status))
            }
            return .success(token)
        }
    }

    /// The parsed reply when the success test holds, else the classified failure; a refused
    /// login token is marked as such, and transient.
    func read(status: Int, body: [UInt8]) -> Result<XMLElement, CarrierFailure> {
        let parsed: Result<XMLElement, XMLError> = Result { () throws(XMLError) in try XML.parse(body, maxBytes: maxBytes) }
        let classified = classify(status: status, body: body, parsed: parsed)
        // A reply that booked is never a refusal, whatever the test finds in it: resending
        // it could book twice.
        if (200...299).contains(status), case .success = classified { return classified }
        let refusedByTest = (try? parsed.get()).map { refusesToken(status: status, root: $0) } ?? false
        guard status == 401 || refusedByTest, case .failure(var failure) = classified else { return classified }
        failure.failureClass = .transient
        failure.tokenRefused = true
        return .failure(failure)
    }

    private func classify(status: Int, body: [UInt8], parsed: Result<XMLElement, XMLError>) -> Result<XMLElement, CarrierFailure> {
        let success = (200...299).contains(status)
        switch parsed {
        case .failure(let error):
            if success {
                return .failure(CarrierFailure(.unknownOutcome, "HTTP \(status) with an unreadable reply: \(error)", httpStatus: status))
            }
            return .failure(CarrierFailure(Self.statusClass(status), "HTTP \(status): \(Self.snippet(body))", httpStatus: status))
        case .success(let root):
            if let fault = soapFault(in: root) {
                return .failure(CarrierFailure(fault.failureClass, fault.message, code: fault.code, httpStatus: status))
            }
            if success {
                if operation.reply.success?.holds(in: root) ?? true { return .success(root) }
                let error = carrierError(in: root)
                let failureClass: FailureClass =
                    error?.code.map { operation.reply.transientCodes.contains($0) } == true ? .transient : .permanent
                return .failure(
                    CarrierFailure(
                        failureClass, error?.message ?? "the reply does not pass the success test", code: error?.code,
                        httpStatus: status))
            }
            let error = carrierError(in: root)
            var failureClass = Self.statusClass(status)
            if let code = error?.code, operation.reply.transientCodes.contains(code) { failureClass = .transient }
            return .failure(
                CarrierFailure(failureClass, error?.message ?? "HTTP \(status)", code: error?.code, httpStatus: status))
        }
    }

    /// The operation's `token_refused` test holds, and the reply is not a 2xx that passes
    /// `success` (resending what succeeded could book twice).
    private func refusesToken(status: Int, root: XMLElement) -> Bool {
        guard operation.reply.tokenRefused?.holds(in: root) == true else { return false }
        return !((200...299).contains(status) && operation.reply.success?.holds(in: root) ?? true)
    }

    static func statusClass(_ status: Int) -> FailureClass {
        switch status {
        case 401, 408, 429, 500...599: .transient
        default: .permanent
        }
    }

    private func carrierError(in root: XMLElement) -> (code: String?, message: String)? {
        let code = operation.reply.errorCode?.value(in: root).flatMap { $0.isEmpty ? nil : $0 }
        let message = operation.reply.errorMessage?.value(in: root).flatMap { $0.isEmpty ? nil : $0 }
        guard code != nil || message != nil else { return nil }
        return (code, message ?? "carrier error")
    }

    /// `Envelope/Body/Fault`, SOAP 1.1 (`faultcode`, `faultstring`) or 1.2 (`Code/Value`,
    /// `Reason/Text`), whatever the prefixes.
    private func soapFault(in root: XMLElement) -> (failureClass: FailureClass, code: String, message: String)? {
        guard root.name == "Envelope", let fault = root.child("Body")?.child("Fault") else { return nil }
        let code = fault.child("faultcode")?.text ?? fault.child("Code")?.child("Value")?.text ?? ""
        let message =
            fault.child("faultstring")?.text ?? fault.child("Reason")?.child("Text")?.text ?? "SOAP fault"
        let local = code.split(separator: ":").last.map(String.init) ?? code
        let failureClass: FailureClass =
            local.hasPrefix("Server") || local.hasPrefix("Receiver") ? .transient : .permanent
        // A carrier-specific code in the detail (DPD's LOGIN_5…) is what operators search for.
        let detailCode = operation.reply.errorCode?.value(in: root)
        return (failureClass, detailCode ?? local.trimmingCharacters(in: .whitespaces), "SOAP fault: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// The start of a non-XML body (an HTML error page), for the attempt's detail.
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(160), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return text.isEmpty ? "empty body" : text
    }
}
