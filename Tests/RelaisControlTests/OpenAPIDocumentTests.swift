import Foundation
import RelaisCommands
import RelaisControl
import RelaisControlAPI
import RelaisTesting
import Testing

/// docs/openapi.yaml against the router: every documented operation is served, every served
/// route is documented, and the document's version is the daemon's.
@Suite struct OpenAPIDocumentTests {
    /// `paths:` of docs/openapi.yaml, read line by line (the project has no YAML parser): a
    /// path is a key at two spaces' indent, its operations the HTTP methods at four, their
    /// statuses the quoted keys at eight under `responses:`.
    struct Document {
        /// `METHOD /path` → the statuses documented for it.
        var statuses: [String: Set<Int>] = [:]
        var version: String?
        var operations: Set<String> { Set(statuses.keys) }

        init(_ text: String) throws {
            let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
            var inPaths = false
            var inInfo = false
            var path: String?
            var operation: String?
            var inResponses = false
            for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                // A comment starts at " #" (`"#/components/…"` is not one); trailing blanks go.
                var line = raw.range(of: " #").map { raw[..<$0.lowerBound] } ?? raw
                while line.last == " " { line = line.dropLast() }
                guard !line.isEmpty else { continue }
                if !line.hasPrefix(" ") {
                    inPaths = line == "paths:"
                    inInfo = line == "info:"
                    path = nil
                    operation = nil
                    continue
                }
                if inInfo, line.hasPrefix("  version: ") {
                    version = line.dropFirst("  version: ".count).trimmingCharacters(in: .whitespaces)
                }
                guard inPaths else { continue }
                if line.hasPrefix("  "), !line.hasPrefix("   ") {
                    guard line.hasSuffix(":"), line.dropFirst(2).hasPrefix("/") else {
                        throw DocumentError(line: index + 1, reason: "under paths:, expected '  /path:', found '\(line)'")
                    }
                    path = String(line.dropFirst(2).dropLast())
                    operation = nil
                } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                    let key = String(line.dropFirst(4).dropLast())
                    operation = nil
                    guard methods.contains(key) else { continue }
                    guard let path else { throw DocumentError(line: index + 1, reason: "\(key): outside a path") }
                    let name = "\(key.uppercased()) \(path)"
                    operation = name
                    statuses[name] = []
                } else if operation != nil, line.hasPrefix("      "), !line.hasPrefix("       ") {
                    inResponses = line == "      responses:"
                } else if let operation, inResponses, line.hasPrefix("        \""), let status = Int(line.dropFirst(9).prefix(3)) {
                    statuses[operation, default: []].insert(status)
                }
            }
        }
    }

    struct DocumentError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "docs/openapi.yaml:\(line): \(reason)" }
    }

    static func document() throws -> Document {
        try Document(String(contentsOfFile: Repository.path("docs/openapi.yaml"), encoding: .utf8))
    }

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedOneServed() throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let served = Set(ControlRouter.routes(state: rig.state).map { "\($0.method) \($0.path)" })
        let documented = try Self.document().operations
        #expect(served.count >= 25, "the router lists \(served.count) routes")
        #expect(served.subtracting(documented).sorted() == [], "served but not in docs/openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "in docs/openapi.yaml but not served")
    }

    @Test func theDocumentsVersionIsTheDaemons() throws {
        #expect(try Self.document().version == RelaisVersion.current)
    }

    /// The reader itself: a path and its operations, comments and other keys ignored, and
    /// a malformed key under `paths:` reported with its line.
    @Test func theLineReaderReadsPathsAndOperations() throws {
        let text = """
            openapi: 3.1.0
            info:
              title: T
              version: 1.2.3
            paths:
              /v1/a/{id}:   # a comment
                parameters:
                  - name: id
                get:
                  responses:
                    "200": { description: ok }
                post:
                  summary: x
              /metrics:
                get:
                  summary: y
            components:
              schemas:
                get:
                  type: object
            """
        let document = try Document(text)
        #expect(document.statuses == ["GET /v1/a/{id}": [200], "POST /v1/a/{id}": [], "GET /metrics": []])
        #expect(document.version == "1.2.3")
        #expect(throws: DocumentError.self) { try Document("paths:\n  v1/no-slash:\n    get:\n") }
    }

    /// Served, not only registered: each documented operation, called with placeholder
    /// parameters and `{}` as a body, reaches a handler (no "no route", no 405) and answers
    /// with a status the document lists for it.
    @Test func everyDocumentedOperationReachesAHandler() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let document = try Self.document()
        try await rig.serving { _, client in
            for operation in document.operations.sorted() {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let path = String(parts[1])
                    .replacing("{n}", with: "1").replacing("{id}", with: "NOPE-1")
                let reply = parts[0] == "GET" ? try await client.get(path) : try await client.post(path, body: Data("{}".utf8))
                let body = String(decoding: reply.body, as: UTF8.self)
                #expect(reply.status != 405, "\(operation): 405 \(body)")
                #expect(!body.contains("no route"), "\(operation): \(reply.status) \(body)")
                #expect(document.statuses[operation]?.contains(reply.status) == true, "\(operation): \(reply.status) \(body)")
            }
        }
    }
}
