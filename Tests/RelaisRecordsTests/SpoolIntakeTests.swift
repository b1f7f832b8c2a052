import Foundation
import RelaisStore
import RelaisOrders
import Testing
@testable import RelaisIntake
@testable import RelaisRecords

@Suite struct SpoolIntakeTests {
    struct Spool {
        let temporary: TemporaryStore
        let intake: SpoolIntake

        init(maxBytes: Int = 16 << 20) throws {
            temporary = try TemporaryStore()
            intake = SpoolIntake(
                root: temporary.directory.appendingPathComponent("spool").path, store: temporary.store,
                decoder: OrderDecoder(knownSites: ["lyon-dc"], maxBytes: maxBytes))
            try intake.prepareDirectories()
        }

        /// Delivers a file the way the OMS must: written in tmp/, renamed into new/.
        func deliver(_ name: String, _ text: String) throws {
            let tmp = intake.folder("tmp") + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
            try FileManager.default.moveItem(atPath: tmp, toPath: intake.folder("new") + "/" + name)
        }

        func files(_ folder: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: intake.folder(folder))) ?? []).sorted()
        }

        func errorReport(_ name: String) throws -> RejectionReport {
            let data = try Data(contentsOf: URL(fileURLWithPath: intake.folder("rejected") + "/" + name + ".error.json"))
            return try JSONDecoder().decode(RejectionReport.self, from: data)
        }
    }

    @Test func acceptedFilesMoveToDoneAfterTheCommit() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        try spool.deliver("one.json", Orders.json(id: "A-1"))
        try spool.deliver("two.ndjson", Orders.json(id: "A-2").replacingOccurrences(of: "\n", with: " ") + "\n" + Orders.json(id: "A-3").replacingOccurrences(of: "\n", with: " "))
        let report = try await spool.intake.runOnce(now: 1)
        #expect(report.files == 2)
        #expect(report.accepted == 3)
        #expect(spool.files("done") == ["one.json", "two.ndjson"])
        #expect(spool.files("new").isEmpty)
        #expect(try await spool.temporary.store.orderCount() == 3)
    }

    @Test func aPartlyValidFileKeepsItsValidOrdersAndSaysWhyTheOthersFailed() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        let bad = Orders.json(id: "B-2", weight: -3)
        try spool.deliver("batch.json", "[\(Orders.json(id: "B-1")), \(bad)]")
        let report = try await spool.intake.runOnce(now: 1)
        #expect(report.accepted == 1)
        #expect(report.rejectedOrders == 1)
        #expect(spool.files("rejected") == ["batch.json", "batch.json.error.json"])
        let errors = try spool.errorReport("batch.json")
        #expect(errors.accepted == ["B-1"])
        #expect(errors.rejected.first?.orderID == "B-2")
        #expect(errors.rejected.first?.problems.first?.field == "parcels[0].weight_kg")
        #expect(try await spool.temporary.store.order(id: "B-1") != nil)
        // Resubmitting the corrected file is safe: B-1 is a duplicate, B-2 is new.
        try spool.deliver("batch.json", "[\(Orders.json(id: "B-1")), \(Orders.json(id: "B-2"))]")
        let again = try await spool.intake.runOnce(now: 2)
        #expect(again.duplicates == 1)
        #expect(again.accepted == 1)
        #expect(spool.files("done") == ["batch.json"])
    }

    @Test func conflictsAreRejectedAndTheFirstVersionStays() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        try spool.deliver("a.json", Orders.json(id: "C-1"))
        _ = try await spool.intake.runOnce(now: 1)
        try spool.deliver("b.json", Orders.json(id: "C-1", weight: 5))
        let report = try await spool.intake.runOnce(now: 2)
        #expect(report.conflicts == 1)
        #expect(try spool.errorReport("b.json").rejected.first?.problems.first?.reason.contains("already accepted with different content") == true)
        #expect(try await spool.temporary.store.events(order: "C-1").map(\.kind.name) == ["order.conflict"])
    }

    @Test func anythingButARegularFileIsRejectedUnread() async throws {
        let spool = try Spool(maxBytes: 4096)
        defer { spool.temporary.remove() }
        let new = spool.intake.folder("new")
        try FileManager.default.createDirectory(atPath: new + "/a-directory", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: new + "/b-link.json", withDestinationPath: "/etc/passwd")
        #expect(mkfifo(new + "/c-fifo", 0o600) == 0)
        try spool.deliver("d-large.json", String(repeating: " ", count: 5000) + Orders.json(id: "D-1"))
        try spool.deliver("e-binary.json", "{\"id\": \"\u{FFFD}\"}".replacingOccurrences(of: "\u{FFFD}", with: "x") + "\u{0}")
        let report = try await spool.intake.runOnce(now: 1)
        #expect(report.rejectedFiles == 5)
        #expect(try spool.errorReport("a-directory").rejected[0].problems[0].reason.contains("not a regular file"))
        #expect(try spool.errorReport("b-link.json").rejected[0].problems[0].reason.contains("not a regular file"))
        #expect(try spool.errorReport("c-fifo").rejected[0].problems[0].reason.contains("not a regular file"))
        #expect(try spool.errorReport("d-large.json").rejected[0].problems[0].reason.contains("over the 4096-byte limit"))
        #expect(spool.files("new").isEmpty)
        #expect(try await spool.temporary.store.orderCount() == 0)
    }

    @Test func aUTF8BOMAndCRLFAreAccepted() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        try spool.deliver("windows.json", "\u{FEFF}" + Orders.json(id: "W-1").replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(try await spool.intake.runOnce(now: 1).accepted == 1)
    }
}
