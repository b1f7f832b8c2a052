import Foundation
import Testing

@testable import RelaisControl
@testable import RelaisRecords

/// Issue 19: the control socket's handlers run on a thread of their own, so a status
/// request never waits behind the booking loop on Swift's cooperative pool.
@Suite struct ControlEventLoopTests {
    @Test func codeRunWithTheControlExecutorStaysOnItsThreadAcrossAwaitsAndChildTasks() async throws {
        #expect(!ControlEventLoop.shared.isCurrent)
        let seen = try await withTaskExecutorPreference(ControlEventLoop.shared) {
            // Once suspended, the task resumes on the control thread, not on the pool.
            await Task.yield()
            var seen = [ControlEventLoop.shared.isCurrent]
            try await Task.sleep(for: .milliseconds(1))
            seen.append(ControlEventLoop.shared.isCurrent)
            // Child tasks (the server's connection tasks are) inherit the preference.
            let children = await withTaskGroup(of: Bool.self) { group -> [Bool] in
                for _ in 0..<3 { group.addTask { ControlEventLoop.shared.isCurrent } }
                var children: [Bool] = []
                for await child in group { children.append(child) }
                return children
            }
            seen += children
            return seen
        }
        #expect(seen == [true, true, true, true, true])
    }

    @Test func itsThreadRunsAboveTheDaemonsOtherThreadsWhenAllowed() async {
        let priority = await ControlEventLoop.shared.priority
        #expect(priority.after <= priority.before)
        // Root may always; the unit's LimitNICE=+0 lets the daemon's user do the same.
        if geteuid() == 0 { #expect(priority.after == max(-20, priority.before - 5)) }
        // Once per process, whatever the number of servers started.
        let again = await ControlEventLoop.shared.priority
        #expect(again.after == priority.after)
    }

    /// The thread asks for the shortest time slice, so that it preempts a busy thread as
    /// soon as a request wakes it (without it, status p99 was 7-8 ms while booking when no
    /// thread may change its nice value). The kernel's own view of the thread says whether it
    /// took: `se.slice` in /proc (Linux 6.12 and later; elsewhere nothing to check).
    @Test func itsThreadAsksForTheShortestTimeSlice() async throws {
        let priority = await ControlEventLoop.shared.priority
        func slice(_ sched: String) -> Int64? {
            guard let line = sched.split(separator: "\n").first(where: { $0.hasPrefix("se.slice") }) else { return nil }
            return line.split(separator: ":").last.flatMap { Int64(String($0).filter { !$0.isWhitespace }) }
        }
        let sched = try await ControlEventLoop.shared.group.next().submit {
            (try? String(contentsOfFile: "/proc/thread-self/sched", encoding: .utf8)) ?? ""
        }.get()
        guard let controlSlice = slice(sched) else { return }
        #expect(controlSlice == Int64(ControlEventLoop.slice))
        #expect(priority.sliceNanoseconds == Int64(ControlEventLoop.slice))
        // Another thread keeps the kernel's default.
        let here = slice((try? String(contentsOfFile: "/proc/thread-self/sched", encoding: .utf8)) ?? "")
        #expect(here != Int64(ControlEventLoop.slice))
    }

    /// A short read from the control thread runs on it: no hop to GRDB's readers and back,
    /// which cost milliseconds per request while booking kept the cores busy.
    @Test func theStoresShortReadsRunOnTheControlThreadAndElsewhereOnTheReaders() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-inline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RecordStore(path: directory.appendingPathComponent("relais.sqlite").path)
        let here = try await withTaskExecutorPreference(ControlEventLoop.shared) {
            try await store.quickRead { _ in ControlEventLoop.shared.isCurrent }
        }
        #expect(here)
        let elsewhere = try await store.quickRead { _ in ControlEventLoop.shared.isCurrent }
        #expect(!elsewhere)
        // And the answers are the store's: an empty store counts nothing.
        let counts = try await withTaskExecutorPreference(ControlEventLoop.shared) { try await store.statusCounts() }
        #expect(counts.pendingOrders == 0)
        #expect(counts.queue.values.allSatisfy { $0 == 0 })
    }

    /// A short page of a list reads on the control thread; a long one on GRDB's readers.
    @Test func shortPagesReadOnTheControlThreadLongOnesOnTheReaders() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-pages-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RecordStore(path: directory.appendingPathComponent("relais.sqlite").path)
        let (short, long) = try await withTaskExecutorPreference(ControlEventLoop.shared) {
            (
                try await store.pageRead(limit: RecordStore.shortPage) { _ in ControlEventLoop.shared.isCurrent },
                try await store.pageRead(limit: RecordStore.shortPage + 1) { _ in ControlEventLoop.shared.isCurrent }
            )
        }
        #expect(short)
        #expect(!long)
        // The lists answer through it, whatever the page.
        let listed = try await withTaskExecutorPreference(ControlEventLoop.shared) { try await store.shipments(limit: 20) }
        #expect(listed.isEmpty)
    }
}
