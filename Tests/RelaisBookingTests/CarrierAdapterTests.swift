import Foundation
import Synchronization
import Testing
@testable import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisSandbox
import RelaisTesting
import RelaisXML

/// Every shipped carrier's definition, booked against relais-sandbox on loopback.
@Suite(.serialized) struct CarrierAdapterTests {
    static let services: [(carrier: String, service: String, relay: String?)] = [
        ("chronopost", "13", nil), ("colissimo", "DOM", nil), ("colissimo", "BPR", "BP-75011"), ("dpd", "PREDICT", nil),
        ("dpd", "RELAIS", "P75011"), ("mondialrelay", "24R", "075011"), ("velocite", "PARIS-J0", nil),
    ]

    @Test func everyShippedCarrierBooksThroughItsOwnDefinition() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                for (index, entry) in Self.services.enumerated() {
                    let reference = "S-\(100 + index)"
                    let adapter = Fixtures.adapter(entry.carrier, sandbox: url, http: http)
                    let request = BookingRequest(
                        reference: reference, service: entry.service,
                        shipment: Fixtures.shipment(id: reference, relayPoint: entry.relay, parcels: 2), now: 1_795_425_300)
                    let confirmation = try await adapter.book(request).get()
                    let ledger = sandbox.ledger.bookings(reference: reference)
                    #expect(ledger.count == 1, "\(entry.carrier)")
                    #expect(ledger.first?.trackingNumber == confirmation.trackingNumber, "\(entry.carrier)")
                    #expect(confirmation.label?.starts(with: Array("%PDF".utf8)) == true, "\(entry.carrier): \(confirmation.labelProblem ?? "")")
                    if let service = ledger.first?.service { #expect(service == entry.service) }
                }
            }
        }
    }

    /// A carrier's connections are kept and reused. Requests that required an event loop
    /// were served by AHC's "overflow" connections, closed as soon as idle: one connection
    /// per booking, 5,771 for 5,000 bookings in the end-to-end benchmark.
    @Test func aHostsConnectionsAreKeptAndReused() async throws {
        try await withSandbox { _, url in
            try await withHTTP { http in
                for _ in 0..<20 {
                    let reply = await http.send(
                        method: "GET", url: "\(url)/nowhere", headers: [], body: nil, timeoutSeconds: 5, maxReplyBytes: 4096)
                    #expect((try? reply.get().status) == 404)
                }
                let port = try #require(URL(string: url)?.port)
                // Connections this process closed to the sandbox wait in TIME-WAIT (state 06).
                let closed = Self.sockets(toPort: port, state: "06")
                #expect(closed <= 1, "\(closed) connections opened and closed for 20 requests")
                #expect(Self.sockets(toPort: port, state: "01") >= 1, "no connection kept open")
            }
        }
    }

    /// Sockets of this network namespace in `state` (hex, as /proc/net/tcp writes it) whose
    /// remote port is `port`.
    static func sockets(toPort port: Int, state: String) -> Int {
        let remote = String(format: ":%04X", port)
        return ["/proc/net/tcp", "/proc/net/tcp6"].reduce(0) { count, file in
            // Read to the end: a /proc file gives a page per read, and Foundation's
            // `String(contentsOfFile:)` stops at the first with thousands of sockets open.
            guard let data = try? FileHandle(forReadingFrom: URL(fileURLWithPath: file)).readToEnd() else { return count }
            let table = String(decoding: data, as: UTF8.self)
            return count
                + table.split(separator: "\n").dropFirst().filter { line in
                    let fields = line.split(separator: " ")
                    return fields.count > 3 && fields[2].hasSuffix(remote) && fields[3] == state
                }.count
        }
    }

    @Test func theLoginTokenIsCachedAndReused() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let dpd = Fixtures.adapter("dpd", sandbox: url, http: http)
                for id in ["S-1", "S-2", "S-3"] {
                    _ = try await dpd.book(.init(reference: id, service: "PREDICT", shipment: Fixtures.shipment(id: id), now: 1_795_425_300)).get()
                }
                // One login, three bookings.
                #expect(sandbox.requestCount(carrier: "dpd") == 4)
                #expect(sandbox.ledger.count == 3)
            }
        }
    }

    @Test func aCarrierRefusalIsPermanentWithItsCodeAndMessage() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                var knobs = SandboxKnobs()
                knobs.script = [.permanent, .transient]
                for carrier in ["chronopost", "velocite"] {
                    sandbox.setKnobs(knobs, for: carrier)
                    let adapter = Fixtures.adapter(carrier, sandbox: url, http: http)
                    let service = carrier == "velocite" ? "PARIS-J0" : "13"
                    let request = BookingRequest(reference: "S-9", service: service, shipment: Fixtures.shipment(id: "S-9"), now: 1_795_425_300)
                    guard case .failure(let refusal) = await adapter.book(request) else { Issue.record("booked"); continue }
                    #expect(refusal.failureClass == .permanent)
                    #expect(refusal.code == (carrier == "velocite" ? "OUT_OF_AREA" : "3"))
                    guard case .failure(let transient) = await adapter.book(request) else { Issue.record("booked"); continue }
                    #expect(transient.failureClass == .transient, "\(transient)")
                }
                #expect(sandbox.ledger.count == 0)
            }
        }
    }

    @Test func aTimeoutAfterSendingIsAnUnknownOutcome() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                var knobs = SandboxKnobs()
                knobs.hangMilliseconds = 3000
                knobs.script = [.timeoutAfterRead, .malformed]
                sandbox.setKnobs(knobs, for: "chronopost")
                let adapter = Fixtures.adapter("chronopost", sandbox: url, http: http, timeout: 0.5)
                for id in ["S-1", "S-2"] {
                    let result = await adapter.book(.init(reference: id, service: "13", shipment: Fixtures.shipment(id: id), now: 1_795_425_300))
                    guard case .failure(let failure) = result else { Issue.record("\(id) read as booked"); continue }
                    #expect(failure.failureClass == .unknownOutcome, "\(failure)")
                    // The carrier did book (on its own time, after the client gave up): exactly
                    // why the shipment must not go elsewhere.
                    let recorded = (try? await eventually(within: .seconds(10)) { sandbox.ledger.bookings(reference: id).count == 1 }) ?? false
                    #expect(recorded)
                }
            }
        }
    }

    @Test func aRefusedTokenLogsInAgainAndResendsOnce() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let dpd = Fixtures.adapter("dpd", sandbox: url, http: http)
                func book(_ id: String) async throws -> BookingConfirmation {
                    try await dpd.book(.init(reference: id, service: "PREDICT", shipment: Fixtures.shipment(id: id), now: 1_795_425_300)).get()
                }
                _ = try await book("S-1")
                #expect(sandbox.requestCount(carrier: "dpd") == 2)  // login, book
                // DPD ends its sessions early: it answers the old token with an
                // authenticationFault (HTTP 500), which the sandbox plays once it forgets its tokens.
                let forgotten = await http.send(
                    method: "DELETE", url: url + "/_sandbox/tokens", headers: [], body: nil, timeoutSeconds: 5, maxReplyBytes: 1024)
                #expect((try? forgotten.get().status) == 204)
                _ = try await book("S-2")
                #expect(sandbox.requestCount(carrier: "dpd") == 5)  // refused book, login, book
                #expect(sandbox.ledger.bookings(reference: "S-2").count == 1)
                _ = try await book("S-3")
                #expect(sandbox.requestCount(carrier: "dpd") == 6)  // the new token is kept
            }
        }
    }

    @Test func aTokenRefusedTwiceIsTransientAndOnlyCarriersWithALoginResend() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let refusal = CarrierFailure(.transient, "HTTP 401", httpStatus: 401, tokenRefused: true)
                let sends = Mutex(0)
                let dpd = Fixtures.adapter("dpd", sandbox: url, http: http)
                let twice: Result<Int, CarrierFailure> = await dpd.withToken(now: 1_795_425_300) { token in
                    sends.withLock { $0 += 1 }
                    return .failure(refusal)
                }
                guard case .failure(let failure) = twice else { Issue.record("passed"); return }
                #expect(sends.withLock { $0 } == 2)
                #expect(failure.failureClass == .transient && failure.message.contains("again, with a new token"), "\(failure)")
                #expect(sandbox.requestCount(carrier: "dpd") == 2)  // two logins, nothing else
                // Vélocité has an API key, no login: its 401 is sent once and named as it is.
                sends.withLock { $0 = 0 }
                let velocite = Fixtures.adapter("velocite", sandbox: url, http: http)
                let once: Result<Int, CarrierFailure> = await velocite.withToken(now: 1_795_425_300) { token in
                    #expect(token == nil)
                    sends.withLock { $0 += 1 }
                    return .failure(refusal)
                }
                #expect(sends.withLock { $0 } == 1)
                guard case .failure(let plain) = once else { Issue.record("passed"); return }
                #expect(!plain.message.contains("login"))
            }
        }
    }

    @Test func aCarrierThatCannotBeReachedIsTransient() async throws {
        try await withHTTP { http in
            let adapter = Fixtures.adapter("chronopost", sandbox: "http://127.0.0.1:9", http: http, timeout: 2)
            let result = await adapter.book(.init(reference: "S-1", service: "13", shipment: Fixtures.shipment(), now: 1_795_425_300))
            guard case .failure(let failure) = result else { Issue.record("booked"); return }
            #expect(failure.failureClass == .transient, "\(failure)")
        }
    }

    @Test func valuesXMLCannotCarryAreRefusedBeforeSending() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let adapter = Fixtures.adapter("chronopost", sandbox: url, http: http)
                let shipment = Fixtures.shipment(name: "Camille\u{1}Martin")
                guard case .failure(let failure) = await adapter.book(.init(reference: "S-1", service: "13", shipment: shipment, now: 1_795_425_300))
                else { Issue.record("booked"); return }
                #expect(failure.refusedBeforeSending)
                #expect(failure.message.contains("recipient.name"))
                #expect(sandbox.requestCount(carrier: "chronopost") == 0)
            }
        }
    }

    @Test func injectionInARecipientNameStaysText() throws {
        let hostile = #"</recipientName2><skybillNumber>FAKE</skybillNumber><x a="'&"#
        let context = TemplateContext(
            booking: .init(reference: "S-1", service: "13", shipment: Fixtures.shipment(name: hostile), now: 1_795_425_300),
            credentials: Fixtures.credentials("chronopost"), token: nil)
        let rendered = context.render(Fixtures.api("chronopost").book!.body!)
        let root = try XML.parse(rendered)
        #expect(try XMLPath("//recipientValue/recipientName2").value(in: root) == hostile)
        #expect(try XMLPath("//skybillNumber").value(in: root) == nil)
    }

    @Test func valuesAreEscapedLikeMustacheButFaster() throws {
        let template = try CarrierOperation.Template(file: "t", text: "<a n=\"{{v}}\">{{v}}</a>{{#l}}<i>{{w}}</i>{{/l}}")
        let context = TemplateContext([
            "v": .text("Zoë & <Lo\"ïc's> 🚲"), "l": .list([["w": .text("a<b")], ["w": .text("plain")]]),
        ])
        let expected = "Zoë &amp; &lt;Lo&quot;ïc&#39;s&gt; 🚲"
        #expect(context.render(template) == "<a n=\"\(expected)\">\(expected)</a><i>a&lt;b</i><i>plain</i>")
        // Sandbox replies render plain dictionaries through the same escaping.
        #expect(template.compiled.render(["v": "x'y", "l": false]) == "<a n=\"x&#39;y\">x&#39;y</a>")
    }

    /// Texts reach Mustache as ``TemplateText``, not `String`: every way a template can use a
    /// value renders as the same plain strings would.
    @Test func textsRenderAsThePlainStringsWould() throws {
        let template = try CarrierOperation.Template(
            file: "t",
            text: """
                [{{v}}]{{#v}}<s>{{.}}/{{w}}/{{n.x}}</s>{{/v}}{{^v}}no v{{/v}}\
                {{#e}}<e>{{.}}</e>{{/e}}{{^e}}no e{{/e}}{{#missing}}m{{/missing}}{{^missing}}no m{{/missing}}\
                {{#n}}<n>{{x}}{{v}}</n>{{/n}}{{#l}}<l>{{y}}{{v}}</l>{{/l}}
                """)
        let typed = TemplateContext([
            "v": .text("a<b"), "w": .text("w'"), "e": .text(""), "n": .table(["x": .text("X&")]),
            "l": .list([["y": .text("1")], ["y": .text("2")]]),
        ])
        let plain: [String: Any] = ["v": "a<b", "w": "w'", "e": "", "n": ["x": "X&"], "l": [["y": "1"], ["y": "2"]]]
        let rendered = typed.render(template)
        #expect(rendered == template.compiled.render(plain))
        #expect(rendered.hasPrefix("[a&lt;b]<s>a&lt;b/w&#39;/X&amp;</s><e></e>no m<n>X&amp;a&lt;b</n>"))
    }

    @Test func theTemplatesFirstLineKeepsItsStandaloneTags() throws {
        let template = try CarrierOperation.Template(file: "t", text: "{{#x}}\n<a>{{v}}</a>\n{{/x}}\n")
        #expect(template.compiled.render(["x": true, "v": "1"]) == "<a>1</a>\n")
        // Errors are counted from the template's own first line.
        #expect(throws: CarrierOperation.TemplateError.self) { try CarrierOperation.Template(file: "t", text: "<a/>\n{{/x}}") }
        do throws(CarrierOperation.TemplateError) {
            _ = try CarrierOperation.Template(file: "t", text: "<a/>\n{{/x}}")
        } catch {
            #expect(error.line == 2, "\(error)")
        }
    }

    @Test func signaturesAreTheDigestsInHex() {
        // RFC 1321, FIPS 180 test vectors: "abc" split over two fields, one nested.
        let fields = ["a", "nested.b"]
        let expected: [(CarrierOperation.Signature.Algorithm, String)] = [
            (.md5, "900150983cd24fb0d6963f7d28e17f72"), (.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ]
        for (algorithm, hex) in expected {
            for uppercase in [false, true] {
                var context = TemplateContext(["a": .text("ab"), "nested": .table(["b": .text("c")])])
                context.sign(.init(algorithm: algorithm, fields: fields, uppercase: uppercase))
                #expect(context.text(at: "signature") == (uppercase ? hex.uppercased() : hex))
            }
        }
    }

    @Test func mondialRelaySignsWithItsPrivateKey() throws {
        let operation = Fixtures.api("mondialrelay").book!
        var context = TemplateContext(
            booking: .init(reference: "S-1", service: "24R", shipment: Fixtures.shipment(relayPoint: "075011"), now: 1_795_425_300),
            credentials: Fixtures.credentials("mondialrelay"), token: nil)
        context.sign(operation.signature!)
        let signature = context.text(at: "signature")
        #expect(signature.count == 32 && signature == signature.uppercased())
        let root = try XML.parse(context.render(operation.body!))
        #expect(try XMLPath("//Security").value(in: root) == signature)
        // Changing any signed value changes the key.
        var other = context
        other = TemplateContext(
            booking: .init(reference: "S-2", service: "24R", shipment: Fixtures.shipment(relayPoint: "075011"), now: 1_795_425_300),
            credentials: Fixtures.credentials("mondialrelay"), token: nil)
        other.sign(operation.signature!)
        #expect(other.text(at: "signature") != signature)
    }

    @Test func aLookupByReferenceReconciles() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                let velocite = Fixtures.adapter("velocite", sandbox: url, http: http)
                let booked = try await velocite.book(.init(reference: "S-5", service: "PARIS-J0", shipment: Fixtures.shipment(id: "S-5"), now: 1_795_425_300)).get()
                #expect(await velocite.lookup(reference: "S-5", now: 1_795_425_300) == .booked(trackingNumber: booked.trackingNumber))
                #expect(await velocite.lookup(reference: "S-6", now: 1_795_425_300) == .notBooked)
            }
        }
    }
}
