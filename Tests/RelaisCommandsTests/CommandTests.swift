import Foundation
import RelaisTesting
import Testing
@testable import RelaisCommands

/// relaisctl's commands on the repository's own files, in-process, and once through the
/// real executable for its exit status.
@Suite struct CommandTests {
    static let repository = Repository.root

    func path(_ relative: String) -> String { Self.repository.appendingPathComponent(relative).path }

    @Test func checkPassesOnTheShippedFiles() {
        let output = CheckCommand.run(configFile: path("systemd/relais.toml"), carriers: path("carriers"), policies: path("policies"))
        #expect(output.status == .success, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("ok: 5 carriers (12 services)"))
        #expect(output.stderr.isEmpty)
    }

    @Test func quotePrintsTheRankingAndTheRejected() {
        let output = QuoteCommand.run(
            orderFile: path("samples/order.json"), configFile: path("systemd/relais.toml"), carriers: path("carriers"),
            policyFile: path("policies/default.toml"), json: false)
        #expect(output.status == .success, "\(output.stderr)")
        #expect(output.stdout.contains("Chosen: dpd/PREDICT (DPD Predict)"))
        #expect(output.stdout.contains("1  dpd/PREDICT"))
        #expect(output.stdout.contains("8.09 EUR"))
        #expect(output.stdout.contains("Not eligible:"))
        let line = output.stdout.split(separator: "\n").first { $0.contains("mondialrelay/24R") }
        #expect(line?.contains("mode, promise") == true)
    }

    @Test func quoteJSONIsTheDecisionRecord() throws {
        let output = QuoteCommand.run(
            orderFile: path("samples/order.json"), configFile: path("systemd/relais.toml"), carriers: path("carriers"),
            policyFile: path("policies/default.toml"), json: true)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let policy = try #require(record["policy"] as? [String: Any])
        #expect(policy["name"] as? String == "default")
        #expect((policy["sha256"] as? String)?.count == 64)
        #expect(record["rules_applied"] as? [String] == ["Paris low-emission zone"])
        #expect((record["chosen"] as? [String: Any])?["service"] as? String == "PREDICT")
        let candidates = try #require(record["candidates"] as? [[String: Any]])
        #expect(candidates.count == 12)  // every service, the return one rejected for its direction
        #expect(candidates[0]["rank"] as? Int == 1)
        #expect(candidates[0]["price"] as? String == "8.09")
        #expect(candidates[0]["cost"] as? String == "8.7764")
    }

    @Test func quoteWithoutSitesSaysWhatItNeeds() {
        let output = QuoteCommand.run(
            orderFile: path("samples/order.json"), configFile: nil, carriers: path("carriers"), policyFile: nil, json: false)
        if !FileManager.default.fileExists(atPath: "/etc/relais/relais.toml") {
            #expect(output.status == .cannotRun)
            #expect(output.stderr.contains("pass --config relais.toml"))
        }
    }

    @Test func quoteRejectsABadOrderWithItsField() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json")
        try Data(#"{"id": "Z-1", "site": "lyon-dc"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = QuoteCommand.run(
            orderFile: file.path, configFile: path("systemd/relais.toml"), carriers: path("carriers"),
            policyFile: path("policies/default.toml"), json: false)
        #expect(output.status == .invalid)
        #expect(output.stderr.contains("order Z-1: ready_at: required"))
    }

    /// The real binary, built beside the test bundle: a broken copy exits 1 with file:line.
    @Test func relaisctlCheckExitsOneOnABrokenCopy() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("relaisctl")
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("relaisctl")
        let executable = [binary, bundleDirectory, Self.repository.appendingPathComponent(".build/debug/relaisctl")]
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        let relaisctl = try #require(executable, "relaisctl is built with the tests (swift build --build-tests)")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("relais-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("carriers"), to: scratch.appendingPathComponent("carriers"))
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("policies"), to: scratch.appendingPathComponent("policies"))
        let policy = scratch.appendingPathComponent("policies/default.toml")
        let text = try String(contentsOf: policy, encoding: .utf8).replacingOccurrences(of: "per_day = 0.60", with: "per_day = -1")
        try text.write(to: policy, atomically: true, encoding: .utf8)

        let output = try await runChild(relaisctl.path, [
            "check", "--carriers", scratch.appendingPathComponent("carriers").path, "--policies",
            scratch.appendingPathComponent("policies").path,
        ])
        let stderr = output.stderr
        #expect(output.status == 1)
        #expect(stderr.contains("policies/default.toml:13: 'per_day' = -1 is a negative price"), "\(stderr)")
    }
}
