import Testing
@testable import RelaisOrders

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.SyntaxError) -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesValues() throws {
        #expect(try parse(#"{"a": [1, -2.5e2, true, false, null], "b": "x\u00e9\ud83d\ude00\n"}"#)
            == .object(["a": .array([.number(1), .number(-250), .bool(true), .bool(false), .null]), "b": .string("xé😀\n")]))
        #expect(try parse("  \"é\"  ") == .string("é"))
    }

    @Test(arguments: [
        ("{\"a\": 1,\n \"a\": 2}", 2, 2, "duplicate key \"a\""),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("[1, 2", 1, 6, "unexpected end of input"),
        ("[01]", 1, 2, "may not start with 0"),
        ("{\"a\": \"x\ny\"}", 1, 9, "control character must be escaped"),
        ("\"\\ud800\"", 1, 8, "unpaired surrogate"),
        ("[1] 2", 1, 5, "unexpected text after the value"),
        ("{\"é\": tru}", 1, 7, "unexpected character 't'"),
    ])
    func errorsSayWhere(text: String, line: Int, column: Int, message: String) {
        do throws(JSONParser.SyntaxError) {
            _ = try parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParser.SyntaxError.self) { try parse(deep) }
    }

    @Test func canonicalTextIgnoresFormattingAndKeyOrder() throws {
        let a = try parse("{ \"b\": 1.50, \"a\": [ \"x\\\"\" ] }")
        let b = try parse("{\"a\":[\"x\\\"\"],\"b\":1.5}")
        #expect(a.canonicalText == b.canonicalText)
        #expect(a.canonicalText == #"{"a":["x\""],"b":1.5}"#)
        #expect(try parse("{\"n\": 2.0}").canonicalText == #"{"n":2}"#)
    }
}
