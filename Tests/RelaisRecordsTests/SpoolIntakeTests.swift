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

        init(maxBytes: Int = 16 << 20, batchFiles: Int = 256) throws {
            temporary = try TemporaryStore()
            intake = SpoolIntake(
                root: temporary.directory.appendingPathComponent("spool").path, store: temporary.store,
                decoder: OrderDecoder(knownSites: ["lyon-dc"], maxBytes: maxBytes), batchFiles: batchFiles)
            try intake.prepareDirectories()
        }

        /// Delivers a file the way the OMS must: written in tmp/, renamed into new/.
        func deliver(_ name: String, _ text: String) throws {
            let tmp = intake.folder("tmp") + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
            try FileManager.default.moveItem(atPath: tmp, toPath: intake.folder("new") + "/" + name)
        }

        /// Delivers `name` strictly after every file already in new/: the kernel's file times
        /// are coarse (a tick of a few ms), so the new file's change time is bumped (chmod
        /// sets it, as the rename did) until it is later. No sleep: it spins within a tick.
        func deliverLater(_ name: String, _ text: String) throws {
            let latest = try intake.arrivalEntries().max().map { ($0.seconds, $0.nanoseconds) } ?? (0, 0)
            try deliver(name, text)
            let path = intake.folder("new") + "/" + name
            var info = stat()
            for _ in 0..<10_000_000 {
                #expect(lstat(path, &info) == 0)
                if (Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec)) > latest { return }
                chmod(path, 0o644)
            }
            Issue.record("the change time of \(name) did not move past \(latest)")
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

    // MARK: Arrival order (issue 20, item 3)

    @Test func filesAreTakenInArrivalOrderThenName() {
        let arrivals = [
            SpoolArrival(name: "a-second.json", seconds: 10, nanoseconds: 5),
            SpoolArrival(name: "z-first.json", seconds: 10, nanoseconds: 4),
            SpoolArrival(name: "m-early.json", seconds: 9, nanoseconds: 999_999_999),
            SpoolArrival(name: "b-tie.json", seconds: 10, nanoseconds: 5),
        ]
        #expect(arrivals.sorted().map(\.name) == ["m-early.json", "z-first.json", "a-second.json", "b-tie.json"])
    }

    @Test func theFirstFileToArriveKeepsItsVersionWhateverItsName() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        try spool.deliverLater("z-first.json", Orders.json(id: "ORD-1"))
        try spool.deliverLater("a-second.json", Orders.json(id: "ORD-1", weight: 7))
        let report = try await spool.intake.runOnce(now: 1)
        #expect(report.accepted == 1)
        #expect(report.conflicts == 1)
        #expect(spool.files("done") == ["z-first.json"])
        #expect(spool.files("rejected") == ["a-second.json", "a-second.json.error.json"])
        #expect(try await spool.temporary.store.order(id: "ORD-1")?.canonicalJSON.contains("\"weight_kg\":1.2") == true)
    }

    @Test func arrivalOrderHoldsAcrossPasses() async throws {
        let spool = try Spool(batchFiles: 1)
        defer { spool.temporary.remove() }
        try spool.deliverLater("z-first.json", Orders.json(id: "ORD-2"))
        try spool.deliverLater("a-second.json", Orders.json(id: "ORD-2", weight: 7))
        #expect(try await spool.intake.runOnce(now: 1).accepted == 1)
        #expect(spool.files("done") == ["z-first.json"])
        #expect(try await spool.intake.runOnce(now: 2).conflicts == 1)
        #expect(spool.files("rejected").contains("a-second.json"))
    }

    // MARK: One file never stalls intake (issue 20, item 2)

    @Test func aFileWhoseExplanationCannotBeWrittenIsQuarantinedAndThePassGoesOn() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        // 251 characters: the file fits, `<name>.error.json` is over NAME_MAX (255).
        let long = String(repeating: "x", count: 246) + ".json"
        try spool.deliverLater(long, Orders.json(id: "Q-1", weight: -1))
        try spool.deliverLater("after.json", Orders.json(id: "Q-2"))
        let report = try await spool.intake.runOnce(now: 1_700_000_000_000)
        #expect(report.quarantined.count == 1)
        let quarantined = try #require(report.quarantined.first)
        #expect(quarantined.file == long)
        #expect(quarantined.storedAs == "q1700000000000")
        #expect(quarantined.reason.contains("the name is too long"))
        #expect(spool.files("quarantine") == ["q1700000000000", "q1700000000000.error.json"])
        let note = try JSONDecoder().decode(
            RejectionReport.self,
            from: Data(contentsOf: URL(fileURLWithPath: spool.intake.folder("quarantine") + "/q1700000000000.error.json")))
        #expect(note.file == long)
        #expect(note.rejected.first?.problems.first?.field == "parcels[0].weight_kg")
        #expect(note.quarantineReason?.contains("the name is too long") == true)
        #expect(spool.files("new").isEmpty)
        #expect(spool.files("done") == ["after.json"])
        #expect(try await spool.temporary.store.order(id: "Q-2") != nil)
    }

    @Test func aMissingRejectedFolderQuarantinesInsteadOfStoppingIntake() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        let rejected = spool.intake.folder("rejected")
        try FileManager.default.removeItem(atPath: rejected)
        // Not even re-creatable: a file stands where the folder was.
        try Data().write(to: URL(fileURLWithPath: rejected))
        try spool.deliverLater("bad-1.json", "{")
        try spool.deliverLater("bad-2.json", "[1]")
        try spool.deliverLater("good.json", Orders.json(id: "R-1"))
        let first = try await spool.intake.runOnce(now: 5)
        #expect(first.quarantined.map(\.file) == ["bad-1.json", "bad-2.json"])
        #expect(first.quarantined.compactMap(\.storedAs) == ["q5", "q5-1"])
        #expect(first.accepted == 1)
        #expect(spool.files("done") == ["good.json"])
        #expect(spool.files("new").isEmpty)
        // The next pass has nothing left to trip on.
        #expect(try await spool.intake.runOnce(now: 6).files == 0)
    }

    @Test func aFileThatCannotEvenBeQuarantinedStaysWithoutHoldingUpTheOthers() async throws {
        let spool = try Spool()
        defer { spool.temporary.remove() }
        for folder in ["rejected", "quarantine"] {
            try FileManager.default.removeItem(atPath: spool.intake.folder(folder))
            try Data().write(to: URL(fileURLWithPath: spool.intake.folder(folder)))
        }
        try spool.deliverLater("bad.json", "{")
        try spool.deliverLater("good.json", Orders.json(id: "S-1"))
        let report = try await spool.intake.runOnce(now: 1)
        #expect(report.quarantined.map(\.file) == ["bad.json"])
        #expect(report.quarantined.first?.storedAs == nil)
        #expect(spool.files("done") == ["good.json"])
        #expect(spool.files("new") == ["bad.json"])
    }
}
