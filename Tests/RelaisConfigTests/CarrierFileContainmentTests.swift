import Foundation
import Testing
@testable import RelaisConfig

/// Issue 20, item 5: a carrier definition reads only files inside its own folder, links
/// included, and never echoes a file's content beyond the field that failed.
@Suite struct CarrierFileContainmentTests {
    static let secret = "password=s3cret-Hunter2-do-not-echo"

    func check(_ workspace: Workspace) -> ConfigCheck.Report {
        ConfigCheck.run(
            configFile: workspace.path("relais.toml"), carriersDirectory: workspace.path("carriers"),
            policiesDirectory: workspace.path("policies"))
    }

    /// Puts a secret outside the carriers and links `relative` to it.
    func linkToSecret(_ workspace: Workspace, _ relative: String) throws -> String {
        let outside = workspace.path("credentials-dpd")
        try Data((Self.secret + "\nlogin=relais\n").utf8).write(to: URL(fileURLWithPath: outside))
        try FileManager.default.removeItem(atPath: workspace.path(relative))
        try FileManager.default.createSymbolicLink(atPath: workspace.path(relative), withDestinationPath: outside)
        return outside
    }

    @Test(arguments: ["carriers/dpd/rates/predict.csv", "carriers/dpd/templates/book.xml"])
    func aFileLinkedOutsideTheCarrierFolderIsRefusedUnread(relative: String) throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        _ = try linkToSecret(workspace, relative)
        let report = check(workspace)
        let problem = try #require(report.diagnostics.first { $0.file.hasSuffix(relative) })
        #expect(problem.message.contains("outside the carrier folder"))
        #expect(!report.diagnostics.contains { $0.description.contains("s3cret") })
        #expect(!report.carriers.contains { $0.carrier.id == "dpd" })
    }

    @Test func aLinkThroughAnotherCarriersFolderIsRefusedToo() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let relative = "carriers/dpd/rates/predict.csv"
        try FileManager.default.removeItem(atPath: workspace.path(relative))
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path(relative), withDestinationPath: workspace.path("carriers/colissimo/rates/domicile.csv"))
        let report = check(workspace)
        #expect(report.diagnostics.contains { $0.file.hasSuffix(relative) && $0.message.contains("outside the carrier folder") })
    }

    @Test func aLinkThatStaysInsideTheFolderIsFollowed() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let relative = "carriers/dpd/rates/predict.csv"
        try FileManager.default.moveItem(atPath: workspace.path(relative), toPath: workspace.path("carriers/dpd/rates/predict-2026.csv"))
        try FileManager.default.createSymbolicLink(atPath: workspace.path(relative), withDestinationPath: "predict-2026.csv")
        let report = check(workspace)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
    }

    /// A wrong file inside the folder is reported by field, without its content.
    @Test func anErrorInAFilesContentDoesNotQuoteIt() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try Data((Self.secret + "\n").utf8).write(to: URL(fileURLWithPath: workspace.path("carriers/dpd/rates/predict.csv")))
        let report = check(workspace)
        let problem = try #require(report.diagnostics.first { $0.file.hasSuffix("predict.csv") })
        #expect(problem.message.contains("the first column must be 'max_kg', found a value of 35 characters"))
        #expect(!report.diagnostics.contains { $0.description.contains("s3cret") })
    }

    @Test func shortPlainValuesAreStillQuoted() {
        #expect(FileText.quoted("CORSICA") == "'CORSICA'")
        #expect(FileText.quoted("-11.40") == "'-11.40'")
        #expect(FileText.quoted("a=b") == "a value of 3 characters")
        #expect(FileText.quoted(String(repeating: "x", count: 25)) == "a value of 25 characters")
    }
}
