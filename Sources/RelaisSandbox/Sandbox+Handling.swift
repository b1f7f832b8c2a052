import Foundation
import RelaisConfig
import RelaisXML

extension Sandbox {
    /// Routes one request: `/_sandbox/…` control, else `/<carrier>/<operation path>`.
    func handle(method: String, path: String, body: [UInt8]) async -> SandboxResponse {
        if path.hasPrefix("/_sandbox/") { return control(method: method, path: path, body: body) }
        let parts = path.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let carrier = carriers[String(first)] else {
            return SandboxResponse(status: 404, contentType: "text/plain", body: Array("no carrier at \(path)".utf8))
        }
        let rest = "/" + (parts.count > 1 ? String(parts[1]) : "")
        let resolved = carrier.operation(method: method, path: rest, body: body)
        // Scripts and rates play bookings and cancels: the calls that change something.
        let drawing = ["book", "cancel", "manifest"].contains(resolved?.name)
        let (knobs, behaviour, baseURL) = state(for: carrier.id, drawing: drawing)
        if knobs.latencyMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(knobs.latencyMilliseconds)) }

        if method == "GET", let labelPath = carrier.definition.labelPath, rest.hasPrefix(labelPath) {
            let tracking = String(rest.dropFirst(labelPath.count))
            guard ledger.contains(carrier: carrier.id, trackingNumber: tracking) else {
                return SandboxResponse(status: 404, contentType: "text/plain", body: Array("no label \(tracking)".utf8))
            }
            return SandboxResponse(status: 200, contentType: "application/pdf", body: Self.label(tracking: tracking, carrier: carrier.id))
        }
        guard let operation = resolved else {
            return fault(carrier, status: 404, transient: false, message: "no operation \(method) \(rest)")
        }
        switch behaviour {
        case .outage:
            return fault(carrier, status: 503, transient: true, message: "service unavailable (sandbox outage)")
        case .timeoutBeforeRead:
            try? await Task.sleep(for: .milliseconds(knobs.hangMilliseconds))
            return fault(carrier, status: 503, transient: true, message: "timed out before reading (sandbox)")
        case .transient:
            return fault(carrier, status: carrier.soap == nil ? 503 : 500, transient: true, message: "temporary failure (sandbox)")
        default:
            break
        }
        let request: XMLElement
        do {
            request = try XML.parse(body, maxBytes: maxRequestBytes)
        } catch {
            return fault(carrier, status: carrier.soap == nil ? 400 : 500, transient: false, message: "unreadable request: \(error)")
        }
        switch operation.name {
        case "login":
            return login(carrier)
        case "lookup":
            return lookup(carrier, request: request)
        case "book":
            return await book(carrier, request: request, behaviour: behaviour, knobs: knobs, baseURL: baseURL)
        case "cancel":
            return await cancel(carrier, request: request, behaviour: behaviour, knobs: knobs)
        case "manifest":
            return await manifest(carrier, request: request, behaviour: behaviour, knobs: knobs)
        case "track":
            return track(carrier, operation: operation, request: request)
        default:
            return fault(carrier, status: 501, transient: false, message: "the sandbox does not play \(operation.name)")
        }
    }

    /// The carrier's knobs and, for a booking, what this request does (scripts and rates
    /// apply to bookings; an outage to everything).
    private func state(for carrier: String, drawing: Bool) -> (SandboxKnobs, SandboxKnobs.Behaviour, String) {
        let draw = Double.random(in: 0..<1)
        return withState { state in
            state.requests[carrier, default: 0] += 1
            var knobs = state.knobs[carrier] ?? SandboxKnobs()
            let behaviour: SandboxKnobs.Behaviour
            if knobs.outage {
                behaviour = .outage
            } else if !drawing {
                behaviour = .normal
            } else if !knobs.script.isEmpty {
                behaviour = knobs.script.removeFirst()
                state.knobs[carrier] = knobs
            } else {
                behaviour = knobs.behaviour(draw: draw)
            }
            return (knobs, behaviour, state.baseURL)
        }
    }

    private func book(
        _ carrier: SandboxCarrier, request: XMLElement, behaviour: SandboxKnobs.Behaviour, knobs: SandboxKnobs, baseURL: String
    ) async -> SandboxResponse {
        let definition = carrier.definition.book
        if let tokenPath = definition.token {
            let token = tokenPath.value(in: request) ?? ""
            guard withState({ $0.tokens.contains(token) }) else {
                let message = "authentication failed: unknown or expired token"
                guard let template = definition.tokenRefusal else {
                    return fault(carrier, status: definition.tokenRefusalStatus, transient: false, message: message)
                }
                return SandboxResponse(status: definition.tokenRefusalStatus, xml: template.compiled.render(["message": message]))
            }
        }
        guard let reference = definition.reference.value(in: request), !reference.isEmpty else {
            return fault(carrier, status: carrier.soap == nil ? 400 : 500, transient: false, message: "no shipment reference")
        }
        let service = definition.service?.value(in: request)
        if behaviour == .permanent {
            let text = definition.refusal.compiled.render([
                "code": definition.refusalCode, "message": definition.refusalMessage, "reference": reference,
            ])
            return SandboxResponse(status: definition.refusalStatus, xml: text)
        }
        // A carrier never issues one tracking number twice: a number drawn again is drawn anew
        // (with 190,000 bookings at DPD's pattern, the soak met two such pairs).
        var tracking = Self.tracking(carrier.definition.trackingPattern)
        while ledger.contains(carrier: carrier.id, trackingNumber: tracking) { tracking = Self.tracking(carrier.definition.trackingPattern) }
        ledger.record(
            .init(
                carrier: carrier.id, reference: reference, service: service, trackingNumber: tracking,
                bookedAtMilliseconds: nowMilliseconds()))
        let labelPath = carrier.definition.labelPath.map { "\($0)\(tracking)" }
        let context: [String: Any] = [
            "tracking": tracking, "reference": reference, "service": service ?? "",
            "label_base64": Data(Self.label(tracking: tracking, carrier: carrier.id)).base64EncodedString(),
            "label_path": labelPath ?? "", "label_url": labelPath.map { "\(baseURL)/\(carrier.id)\($0)" } ?? "",
            "price": "7.90",
        ]
        return await reply(definition.reply.compiled.render(context), behaviour: behaviour, knobs: knobs)
    }

    /// A change made, answered as `behaviour` says: cut in half (`malformed`), held back
    /// (`timeout-after-read`), or whole.
    private func reply(_ text: String, behaviour: SandboxKnobs.Behaviour, knobs: SandboxKnobs) async -> SandboxResponse {
        switch behaviour {
        case .malformed:
            return SandboxResponse(status: 200, body: Array(text.utf8.prefix(text.utf8.count / 2)))
        case .timeoutAfterRead:
            try? await Task.sleep(for: .milliseconds(knobs.hangMilliseconds))
            return SandboxResponse(status: 200, xml: text)
        default:
            return SandboxResponse(status: 200, xml: text)
        }
    }

    /// Voids the ledger's booking. `permanent` refuses, as does a tracking number the carrier
    /// never issued; a booking already void is answered as cancelled again, so that a cancel
    /// retried after a lost reply settles. `malformed` and `timeout-after-read` void first.
    private func cancel(
        _ carrier: SandboxCarrier, request: XMLElement, behaviour: SandboxKnobs.Behaviour, knobs: SandboxKnobs
    ) async -> SandboxResponse {
        guard let definition = carrier.definition.cancel else {
            return fault(carrier, status: 501, transient: false, message: "the sandbox does not play cancel for \(carrier.id)")
        }
        if let tokenPath = definition.token, !withState({ $0.tokens.contains(tokenPath.value(in: request) ?? "") }) {
            return fault(carrier, status: 401, transient: false, message: "authentication failed: unknown or expired token")
        }
        let tracking = definition.tracking.value(in: request) ?? ""
        func refuse(_ message: String) -> SandboxResponse {
            let text = definition.refusal.compiled.render(["code": definition.refusalCode, "message": message, "tracking": tracking])
            return SandboxResponse(status: definition.refusalStatus, xml: text)
        }
        if behaviour == .permanent { return refuse(definition.refusalMessage) }
        guard ledger.void(carrier: carrier.id, trackingNumber: tracking) else {
            return refuse("unknown parcel \(tracking)")
        }
        return await reply(definition.reply.compiled.render(["tracking": tracking]), behaviour: behaviour, knobs: knobs)
    }

    /// Takes the parcels over: the same set of parcels again is answered with the same
    /// number and document (a close redone after a crash is never a second manifest); a
    /// parcel the carrier never issued, or a void one, is refused. `malformed` and
    /// `timeout-after-read` record the manifest, then cut or hold back the reply.
    private func manifest(
        _ carrier: SandboxCarrier, request: XMLElement, behaviour: SandboxKnobs.Behaviour, knobs: SandboxKnobs
    ) async -> SandboxResponse {
        guard let definition = carrier.definition.manifest else {
            return fault(carrier, status: 501, transient: false, message: "the sandbox does not play manifest for \(carrier.id)")
        }
        var parcels: [String] = []
        func collect(_ element: XMLElement) {
            if element.name == definition.parcel { parcels.append(element.text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            element.children.forEach(collect)
        }
        collect(request)
        func refuse(_ message: String) -> SandboxResponse {
            SandboxResponse(status: definition.refusalStatus, xml: definition.refusal.compiled.render(["message": message]))
        }
        if behaviour == .permanent { return refuse("manifest refused (sandbox)") }
        guard !parcels.isEmpty else { return refuse("no parcel in the manifest") }
        for parcel in parcels {
            guard let booking = ledger.entry(carrier: carrier.id, trackingNumber: parcel), !booking.void else {
                return refuse("unknown or cancelled parcel \(parcel)")
            }
        }
        let number = ledger.manifest(carrier: carrier.id, parcels: parcels) { Self.tracking(definition.numberPattern) }
        let text = definition.reply.compiled.render([
            "number": number, "parcel_count": String(parcels.count),
            "document_base64": Data(Self.label(tracking: number, carrier: carrier.id)).base64EncodedString(),
        ])
        return await reply(text, behaviour: behaviour, knobs: knobs)
    }

    private func login(_ carrier: SandboxCarrier) -> SandboxResponse {
        guard let template = carrier.definition.login else {
            return fault(carrier, status: 404, transient: false, message: "no login")
        }
        let token = (0..<32).map { _ in String("0123456789abcdef".randomElement()!) }.joined()
        withState { _ = $0.tokens.insert(token) }
        return SandboxResponse(status: 200, xml: template.compiled.render(["token": token]))
    }

    private func lookup(_ carrier: SandboxCarrier, request: XMLElement) -> SandboxResponse {
        guard let definition = carrier.definition.lookup else {
            return fault(carrier, status: 404, transient: false, message: "no lookup")
        }
        let reference = definition.reference.value(in: request) ?? ""
        if let entry = ledger.bookings(reference: reference, carrier: carrier.id).first {
            return SandboxResponse(
                status: 200,
                xml: definition.found.compiled.render([
                    "tracking": entry.trackingNumber, "reference": reference, "service": entry.service ?? "",
                ]))
        }
        return SandboxResponse(status: 200, xml: definition.notFound.compiled.render(["reference": reference]))
    }

    /// A fault in the carrier's own shape: SOAP Server/Client (1.1) or Receiver/Sender (1.2).
    func fault(_ carrier: SandboxCarrier, status: Int, transient: Bool, message: String) -> SandboxResponse {
        let code: String =
            switch carrier.soap {
            case .v1_1: transient ? "Server" : "Client"
            case .v1_2: transient ? "Receiver" : "Sender"
            case nil: transient ? "UNAVAILABLE" : "BAD_REQUEST"
            }
        return SandboxResponse(status: status, xml: carrier.definition.fault.compiled.render(["code": code, "message": message]))
    }

    /// `/_sandbox/ledger` (GET, JSON) and `/_sandbox/knobs/<carrier>` (GET or POST, JSON).
    func control(method: String, path: String, body: [UInt8]) -> SandboxResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if path == "/_sandbox/ledger", method == "GET" {
            let data = (try? encoder.encode(ledger.all)) ?? Data("[]".utf8)
            return SandboxResponse(status: 200, contentType: "application/json", body: Array(data))
        }
        if path == "/_sandbox/clock/advance", method == "POST" {
            struct Advance: Decodable { var milliseconds: Int64 }
            guard let advance = try? JSONDecoder().decode(Advance.self, from: Data(body)), advance.milliseconds >= 0 else {
                return SandboxResponse(status: 400, contentType: "application/json", body: Array(#"{"error":"bad advance"}"#.utf8))
            }
            advanceClock(by: .milliseconds(advance.milliseconds))
            return SandboxResponse(status: 204, contentType: "application/json", body: [])
        }
        if path == "/_sandbox/tokens", method == "DELETE" {
            forgetTokens()
            return SandboxResponse(status: 204, contentType: "application/json", body: [])
        }
        if path.hasPrefix("/_sandbox/knobs/") {
            let carrier = String(path.dropFirst("/_sandbox/knobs/".count))
            guard carriers[carrier] != nil else {
                return SandboxResponse(status: 404, contentType: "application/json", body: Array(#"{"error":"no such carrier"}"#.utf8))
            }
            if method == "POST" {
                do {
                    setKnobs(try JSONDecoder().decode(SandboxKnobs.self, from: Data(body)), for: carrier)
                } catch {
                    return SandboxResponse(status: 400, contentType: "application/json", body: Array(#"{"error":"bad knobs"}"#.utf8))
                }
            }
            let data = (try? encoder.encode(knobs(for: carrier))) ?? Data()
            return SandboxResponse(status: 200, contentType: "application/json", body: Array(data))
        }
        return SandboxResponse(status: 404, contentType: "application/json", body: Array(#"{"error":"not found"}"#.utf8))
    }

    static func tracking(_ pattern: String) -> String {
        String(pattern.map { $0 == "#" ? Character(String(Int.random(in: 0...9))) : $0 })
    }

    /// A one-page PDF naming the carrier and the tracking number.
    static func label(tracking: String, carrier: String) -> [UInt8] {
        let text = "BT /F1 24 Tf 40 200 Td (\(carrier.uppercased()) \(tracking)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(text.utf8.count) >>\nstream\n\(text)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { pdf += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n" }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(pdf.utf8)
    }
}
