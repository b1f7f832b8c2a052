import Foundation
import RelaisCore
import Testing
@testable import RelaisConfig

/// Files saved with CRLF line ends (a Windows editor, a spreadsheet's CSV export) read as
/// their LF twins: Swift takes `"\r\n"` as one `Character`, so a reader splitting on `"\n"`
/// saw one long line (found by fuzzing the policy loader: a table header after a CRLF line
/// slipped past the check that keeps toml++ from aborting, FUZZING.md).
@Suite struct LineEndingTests {
    func check(_ workspace: Workspace) -> ConfigCheck.Report {
        ConfigCheck.run(
            configFile: workspace.path("relais.toml"), carriersDirectory: workspace.path("carriers"),
            policiesDirectory: workspace.path("policies"))
    }

    /// Rewrites every text file under `relative` with CRLF line ends.
    func convertToCRLF(_ workspace: Workspace, _ relative: String) throws -> Int {
        var converted = 0
        let root = workspace.path(relative)
        var files = [root]
        if let walker = FileManager.default.enumerator(atPath: root) {
            files = walker.compactMap { $0 as? String }.map { "\(root)/\($0)" }
        }
        for file in files where [".toml", ".csv", ".xml", ".json"].contains(where: file.hasSuffix) {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            try text.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: file, atomically: true, encoding: .utf8)
            converted += 1
        }
        return converted
    }

    @Test func theShippedPanelPoliciesAndConfigurationReadTheSameWithCRLF() throws {
        let lf = try Workspace()
        let crlf = try Workspace()
        defer {
            lf.remove()
            crlf.remove()
        }
        let converted = try ["carriers", "policies", "relais.toml"].map { try convertToCRLF(crlf, $0) }.reduce(0, +)
        #expect(converted > 20)
        let expected = check(lf)
        let report = check(crlf)
        #expect(report.diagnostics.map(\.description) == expected.diagnostics.map(\.description))
        #expect(report.carriers.map(\.carrier) == expected.carriers.map(\.carrier))
        #expect(!report.carriers.isEmpty && report.carriers.count == expected.carriers.count)
        func rules(_ policies: [Policy]) -> [Policy] {
            policies.map { policy in
                var policy = policy
                policy.text = ""
                policy.sha256 = ""
                return policy
            }
        }
        #expect(rules(report.policies) == rules(expected.policies))
        #expect(!report.policies.isEmpty)
    }

    @Test func aMistakeInACRLFPolicyIsReportedAtItsLine() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let policy = try #require(try FileManager.default.contentsOfDirectory(atPath: workspace.path("policies")).sorted().first)
        let line = try workspace.replace("policies/\(policy)", "[[rule]]", with: "[[rule]]\nbogus_key = 7")
        _ = try convertToCRLF(workspace, "policies")
        let report = check(workspace)
        let problem = try #require(report.diagnostics.first { $0.file.hasSuffix(policy) })
        #expect(problem.line == line + 1, "\(problem)")
    }

    /// The input the fuzzer found: `[ = …` after a CRLF line made toml++ stop the process.
    @Test func aBadTableHeaderAfterACRLFLineIsRefusedNotFatal() throws {
        let panel = try PanelLoader.load(directory: Workspace.repository.appendingPathComponent("carriers").path)
        let text = "max_co2e_g = 3000\r\n\r\n[[rule]]\r\nname = \"eco\"\r\nprices = { per_day = 0.50 }\r\n[ = 0.50 }\r\n"
        #expect {
            _ = try PolicyLoader.load(text: text, file: "fuzz.toml", panel: panel.panel)
        } throws: { error in
            let diagnostics = (error as? ConfigError)?.diagnostics ?? []
            return diagnostics.contains { $0.line == 6 && $0.message.contains("table name cannot start with U+003D") }
        }
    }
}
