import Foundation
import RelaisTesting
import RelaisControlAPI
import Testing

/// Issue 20, item 4: a full state disk pauses intake and booking with a critical line and
/// `/v1/status` saying why; reads answer, writes get 503 with `Retry-After`; relaisd stays
/// up and resumes by itself when space returns. Needs root (a small tmpfs as the state
/// directory); skipped otherwise.
@Suite(.serialized) struct FullDiskLiveTests {
    static func run(_ arguments: [String]) async -> (status: Int32, output: String) {
        guard let done = try? await runChild(arguments[0], Array(arguments.dropFirst()), mergeStandardError: true) else {
            return (-1, "")
        }
        return (done.status, done.stdout)
    }

    func status(_ deployment: Deployment) async throws -> StatusReply {
        try JSONDecoder().decode(StatusReply.self, from: Data(try await deployment.relaisctl(["status", "--json"]).stdout.utf8))
    }

    func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try await !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await condition(), "\(what)")
    }

    @Test func aFullStateDiskPausesAndResumesWithoutStopping() async throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            print("skipped: needs root (tmpfs) and curl")
            return
        }
        let deployment = try Deployment()
        defer { deployment.remove() }
        try FileManager.default.createDirectory(at: deployment.state, withIntermediateDirectories: true)
        guard await Self.run(["/bin/mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", deployment.state.path]).status == 0 else {
            print("skipped: cannot mount a tmpfs here")
            return
        }
        let daemon: Process
        do {
            daemon = try deployment.startDaemon()
        } catch {
            _ = await Self.run(["/bin/umount", "-l", deployment.state.path])
            throw error
        }
        defer {
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
            // A lazy unmount returns at once, whatever holds the mount.
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = ["-l", deployment.state.path]
            try? umount.run()
            umount.waitUntilExit()
        }
        try await deployment.waitUntilReady(after: 0)
        try deployment.deliver("before.json", IntakeCrashTests.order("DISK-1", 1))
        try await waitFor("DISK-1 accepted") { deployment.files("done").contains("before.json") }

        // Fill the disk.
        let filler = deployment.state.appendingPathComponent("filler").path
        _ = await Self.run(["/bin/dd", "if=/dev/zero", "of=\(filler)", "bs=64k"])
        try deployment.deliver("during.json", IntakeCrashTests.order("DISK-2", 2))
        try await waitFor("intake paused") { deployment.log.contains("intake: paused, the state disk is full") }
        #expect(daemon.isRunning, "\(deployment.log)")
        let paused = try await status(deployment)
        #expect(paused.alerts?.contains { $0.hasPrefix("intake: paused: the state disk is full") } == true)
        #expect(try await deployment.relaisctl(["status"]).stdout.contains("ALERT intake: paused: the state disk is full"))
        #expect(deployment.files("new") == ["during.json"])
        let body = deployment.root.appendingPathComponent("api.json")
        try Data(IntakeCrashTests.order("DISK-3", 3).utf8).write(to: body)
        let submitted = await Self.run([
            "/usr/bin/curl", "-s", "-i", "--unix-socket", deployment.socket.path, "--data-binary", "@\(body.path)",
            "http://localhost/v1/orders",
        ]).output
        #expect(submitted.hasPrefix("HTTP/1.1 503"), "\(submitted)")
        #expect(submitted.lowercased().contains("retry-after: 30"))
        #expect(submitted.contains(#""error":"storage-full""#))
        // Booking's deferrals write too: it pauses, the daemon stays.
        try await Task.sleep(for: .seconds(3))
        #expect(daemon.isRunning, "\(deployment.log)")

        // Space returns: both resume by themselves, and the file waiting in new/ is taken.
        try FileManager.default.removeItem(atPath: filler)
        try await waitFor("DISK-2 accepted") { deployment.files("done").contains("during.json") }
        try await waitFor("alerts cleared") { try await status(deployment).alerts == nil }
        #expect(deployment.log.contains("intake: resumed"))
        // Booking pauses too when one of its writes (DISK-1's deferrals, every 1-2 s until it
        // fails) met the full disk; whenever it did, it came back.
        if deployment.log.contains("booking: paused, the state disk is full") {
            try await waitFor("booking resumed") { deployment.log.contains("booking: resumed") }
        }
        #expect(daemon.isRunning)
        kill(daemon.processIdentifier, SIGTERM)
        await daemon.exited()
        #expect(daemon.terminationStatus == 0, "\(deployment.log)")
    }
}
