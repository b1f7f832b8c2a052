import Testing
@testable import RelaisCarriers
@testable import RelaisConfig
import RelaisCore
import RelaisXML

@Suite struct ReplyReaderTests {
    let chronopost = ReplyReader(operation: Fixtures.api("chronopost").book!)

    func soap11Fault(_ code: String) -> [UInt8] {
        Array(
            """
            <?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
            <soap:Fault><faultcode>soap:\(code)</faultcode><faultstring>boom</faultstring></soap:Fault></soap:Body></soap:Envelope>
            """.utf8)
    }

    func chronoReply(code: String, tracking: String? = nil) -> [UInt8] {
        Array(
            """
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
            <ns1:shippingMultiParcelV5Response xmlns:ns1="http://cxf.shipping.soap.chronopost.fr/"><return>
            <errorCode>\(code)</errorCode><errorMessage>\(code == "0" ? "" : "Code postal invalide")</errorMessage>
            \(tracking.map { "<resultMultiParcelValue><skybillNumber>\($0)</skybillNumber><pdfEtiquette>JVBERi0=</pdfEtiquette></resultMultiParcelValue>" } ?? "")
            </return></ns1:shippingMultiParcelV5Response></soap:Body></soap:Envelope>
            """.utf8)
    }

    func failureClass(_ result: Result<ReplyReader.Booked, CarrierFailure>) -> FailureClass? {
        if case .failure(let failure) = result { return failure.failureClass }
        return nil
    }

    @Test func aBookingReplyGivesTrackingAndLabel() throws {
        let booked = try chronopost.readBooking(status: 200, body: chronoReply(code: "0", tracking: "XR123456789FR")).get()
        #expect(booked.trackingNumber == "XR123456789FR")
        #expect(booked.inlineLabel == "JVBERi0=")
    }

    @Test func errorCodesInA200ArePermanentUnlessListedTransient() {
        let refused = chronopost.readBooking(status: 200, body: chronoReply(code: "3"))
        guard case .failure(let failure) = refused else { Issue.record("refusal read as booked"); return }
        #expect(failure.failureClass == .permanent)
        #expect(failure.code == "3")
        #expect(failure.message == "Code postal invalide")
        #expect(failureClass(chronopost.readBooking(status: 200, body: chronoReply(code: "33"))) == .transient)
    }

    @Test(arguments: [
        (500, "Server", FailureClass.transient), (500, "Client", .permanent), (200, "Server", .transient),
        (200, "Client", .permanent), (500, "Server.userException", .transient),
    ])
    func soapFaultsAreClassedByTheirCode(status: Int, code: String, expected: FailureClass) {
        #expect(failureClass(chronopost.readBooking(status: status, body: soap11Fault(code))) == expected)
    }

    @Test func soap12FaultsToo() {
        let body = Array(
            """
            <env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>
            <env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text>down</env:Text></env:Reason>
            </env:Fault></env:Body></env:Envelope>
            """.utf8)
        #expect(failureClass(chronopost.readBooking(status: 500, body: body)) == .transient)
    }

    @Test func aRefusedLoginTokenIsTransientAndMarked() throws {
        // DPD refuses an expired token with a SOAP Server fault carrying an
        // authenticationFault, HTTP 500: the operation's token_refused test says so.
        let dpd = ReplyReader(operation: Fixtures.api("dpd").book!)
        let authenticationFault = Array(
            """
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
            <faultcode>soap:Client</faultcode><faultstring>Fault occured</faultstring><detail>
            <ns1:authenticationFault xmlns:ns1="http://dpd.com/common/service/types/Authentication/2.0">
            <errorCode>LOGIN_5</errorCode><errorMessage>token expired</errorMessage></ns1:authenticationFault>
            </detail></soap:Fault></soap:Body></soap:Envelope>
            """.utf8)
        for status in [500, 200] {
            guard case .failure(let failure) = dpd.readBooking(status: status, body: authenticationFault) else {
                Issue.record("booked"); continue
            }
            // A Client fault would be permanent; a refused token is not the request's fault.
            #expect(failure.failureClass == .transient && failure.tokenRefused, "\(failure)")
        }
        // Any other fault is not a token refusal.
        guard case .failure(let other) = dpd.readBooking(status: 500, body: soap11Fault("Server")) else { return }
        #expect(!other.tokenRefused)
        // HTTP 401 is one, for every carrier, with or without a body.
        guard case .failure(let unauthorized) = chronopost.readBooking(status: 401, body: soap11Fault("Client")) else { return }
        #expect(unauthorized.failureClass == .transient && unauthorized.tokenRefused)
        guard case .failure(let bare) = chronopost.readBooking(status: 401, body: []) else { return }
        #expect(bare.tokenRefused)
        // A reply that booked is never a refusal, even when the test finds something in it.
        var operation = Fixtures.api("chronopost").book!
        operation.reply.tokenRefused = .init(path: try XMLPath("//skybillNumber"))
        let booked = ReplyReader(operation: operation).readBooking(status: 200, body: chronoReply(code: "0", tracking: "XR1"))
        #expect((try? booked.get())?.trackingNumber == "XR1")
    }

    @Test func statusesWithoutAReadableBody() {
        let html = Array("<!DOCTYPE html><html><body>Bad gateway</body></html>".utf8)
        #expect(failureClass(chronopost.readBooking(status: 502, body: html)) == .transient)
        #expect(failureClass(chronopost.readBooking(status: 429, body: [])) == .transient)
        #expect(failureClass(chronopost.readBooking(status: 404, body: html)) == .permanent)
        #expect(failureClass(chronopost.readBooking(status: 400, body: Array("bad".utf8))) == .permanent)
    }

    @Test func aSuccessStatusWithAnUnreadableBodyMayHaveBooked() {
        let truncated = Array(chronoReply(code: "0", tracking: "XR1").prefix(120))
        #expect(failureClass(chronopost.readBooking(status: 200, body: truncated)) == .unknownOutcome)
        #expect(failureClass(chronopost.readBooking(status: 200, body: [])) == .unknownOutcome)
        #expect(failureClass(chronopost.readBooking(status: 200, body: Array("<html><body>OK".utf8))) == .unknownOutcome)
    }
}
