import Testing
@testable import RelaisXML

@Suite struct HardenedXMLTests {
    @Test func externalEntitiesAreRefusedBeforeAnythingIsRead() {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE reply [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <reply><name>&secret;</name></reply>
            """
        #expect(throws: XMLError.doctype) { try XML.parse(xxe) }
    }

    @Test func billionLaughsIsRefused() {
        var text = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#
        for level in 1...9 {
            text += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">"
        }
        text += "]><lolz>&lol9;</lolz>"
        #expect(throws: XMLError.doctype) { try XML.parse(text) }
    }

    @Test func anHTMLErrorPageIsNotXML() {
        #expect(throws: XMLError.doctype) {
            try XML.parse("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>")
        }
        #expect(throws: XMLError.malformed) { try XML.parse("<html><body>Error<br></body></html>") }
    }

    @Test func truncatedAndNonXMLBodiesSayWhere() throws {
        do {
            _ = try XML.parse("<reply>\n  <tracking>XR1</tracking>\n  <label>JVBER")
            Issue.record("a truncated reply parsed")
        } catch {
            #expect(error == .malformed)
            #expect(error.line == 3)
        }
        #expect(throws: XMLError.malformed) { try XML.parse("Service Unavailable") }
        #expect(throws: XMLError.malformed) { try XML.parse("<a>&undefined;</a>") }
        #expect(throws: XMLError.empty) { try XML.parse([UInt8]()) }
        #expect(throws: XMLError.empty) { try XML.parse("  \n") }
    }

    @Test func sizeLimitIsEnforcedBeforeParsing() {
        let big = "<a>" + String(repeating: "x", count: 2000) + "</a>"
        #expect(throws: XMLError.tooLarge) { try XML.parse(big, maxBytes: 1000) }
        #expect(throws: Never.self) { try XML.parse(big, maxBytes: 4000) }
    }

    @Test func pathsIgnoreNamespacesAndPrefixes() throws {
        let root = try XML.parse(
            """
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
              <soap:Body><ns1:reply xmlns:ns1="urn:x"><return id="7"><code> 0 </code><value><![CDATA[a<b]]></value></return></ns1:reply></soap:Body>
            </soap:Envelope>
            """)
        #expect(try XMLPath("Envelope/Body/reply/return/code").value(in: root) == "0")
        #expect(try XMLPath("//return/code").value(in: root) == "0")
        #expect(try XMLPath("//value").value(in: root) == "a<b")
        #expect(try XMLPath("//return/@id").value(in: root) == "7")
        #expect(try XMLPath("Envelope/*/reply/return/code").value(in: root) == "0")
        #expect(try XMLPath("Body/reply").value(in: root) == nil)
        #expect(throws: XMLPathError.self) { try XMLPath("//soap:Body") }
        #expect(throws: XMLPathError.self) { try XMLPath("a//b") }
    }

    @Test func charactersXMLCannotCarryAreFound() {
        #expect(XMLText.invalidCharacter(in: "Zoë Ünal\tA&B") == nil)
        #expect(XMLText.invalidCharacter(in: "bell\u{7}") == "\u{7}")
        #expect(XMLText.invalidCharacter(in: "\u{FFFE}") == "\u{FFFE}")
        // The byte scan's edges: valid characters whose UTF-8 starts with 0xEF, line ends,
        // and each kind of refused character anywhere in the text.
        #expect(XMLText.invalidCharacter(in: "\u{F000}\u{FFFD}\u{FEFF}\r\n") == nil)
        #expect(XMLText.invalidCharacter(in: "ok\u{FFFF}") == "\u{FFFF}")
        #expect(XMLText.invalidCharacter(in: "\u{0}") == "\u{0}")
        #expect(XMLText.invalidCharacter(in: "é\u{1F}b") == "\u{1F}")
        #expect(XMLText.escape(#"</name><x a="1">'&"#) == "&lt;/name&gt;&lt;x a=&quot;1&quot;&gt;&apos;&amp;")
    }
}
