import Foundation
import RelaisTesting
import RelaisControlAPI
import RelaisSandbox
import Testing

/// relaisd as systemd runs it: a child process with `$NOTIFY_SOCKET` pointing at a socket
/// of the test's own, orders through the control socket (relaisctl) and the spool, booked
/// by relais-sandbox, a policy reload by SIGHUP (a bad one refused, a good one applied),
/// and a graceful stop by SIGTERM.
@Suite(.serialized) struct ServiceLiveTests {
    @Test func runsAsANotifyServiceReloadsAndDrains() async throws {
        let sandbox = try Sandbox(carriersDirectory: Deployment.repository.appendingPathComponent("carriers").path)
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run(port: 0) { continuation.yield($0) } }
            var iterator = urls.makeAsyncIterator()
            let url = try #require(await iterator.next())
            defer { group.cancelAll() }
            try await exercise(sandbox: sandbox, url: url)
        }
    }

    func exercise(sandbox: Sandbox, url: String) async throws {
        let deployment = try Deployment(sandboxURL: url, copyPolicies: true)
        defer { deployment.remove() }
        let systemd = try NotifyListener(path: deployment.root.appendingPathComponent("notify.sock").path)
        let daemon = try deployment.startDaemon(environment: ["NOTIFY_SOCKET": systemd.path])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        let ready = try #require(await systemd.next { $0.contains("READY=1") }, "no READY=1: \(deployment.log)")
        #expect(ready.contains("STATUS=queued 0"))
        // READY comes after the bind: the socket answers at once.
        #expect(try await deployment.relaisctl(["status"]).status == 0)

        // Five orders through the socket, five through the spool.
        let submitted = deployment.root.appendingPathComponent("api.ndjson")
        try Data((0..<5).map { IntakeCrashTests.order("API-\($0)", $0) }.joined(separator: "\n").utf8).write(to: submitted)
        let submit = try await deployment.relaisctl(["submit", submitted.path])
        #expect(submit.status == 0, "\(submit.stderr)")
        #expect(submit.stdout.contains("5 accepted"))
        try deployment.deliver("spool.ndjson", (0..<5).map { IntakeCrashTests.order("SPOOL-\($0)", $0 + 5) }.joined(separator: "\n"))

        var status = try await waitForStatus(deployment) { $0.queue["booked"] == 10 }
        #expect(status.queue["booked"] == 10, "\(status.queue)\n\(deployment.log)")
        let booked = try JSONDecoder().decode(
            ShipmentListReply.self, from: Data(try await deployment.relaisctl(["shipments", "--state", "booked", "--json"]).stdout.utf8))
        let ledger = Dictionary(grouping: sandbox.ledger.all, by: \.reference)
        for shipment in booked.shipments {
            #expect(ledger[shipment.id]?.count == 1 && ledger[shipment.id]?.first?.carrier == shipment.carrier)
        }
        let orders = Set(booked.shipments.flatMap(\.orders))
        #expect(orders.contains("API-0") && orders.contains("SPOOL-4"))

        // A broken policy: refused with file:line, the old one stays in force.
        let policyFile = deployment.policies.appendingPathComponent("default.toml")
        let policyText = try String(contentsOf: policyFile, encoding: .utf8)
        let before = status.policy
        try Data((policyText + "\n[weights\n").utf8).write(to: policyFile)
        kill(daemon.processIdentifier, SIGHUP)
        #expect(await systemd.next { $0.contains("RELOADING=1") }?.contains("MONOTONIC_USEC=") == true)
        #expect(await systemd.next { $0.contains("READY=1") } != nil)
        try await Task.sleep(for: .milliseconds(200))
        #expect(deployment.log.contains("refused, the previous configuration stays in force"))
        #expect(deployment.log.contains("default.toml:"))
        #expect(try await currentStatus(deployment).policy == before)

        // A good edit: applied at once.
        try Data((policyText + "\n# reviewed for the peak\n").utf8).write(to: policyFile)
        kill(daemon.processIdentifier, SIGHUP)
        #expect(await systemd.next { $0.contains("RELOADING=1") } != nil)
        #expect(await systemd.next { $0.contains("READY=1") } != nil)
        status = try await waitForStatus(deployment) { $0.policy.sha256 != before.sha256 }
        #expect(status.policy.sha256 != before.sha256 && status.policy.name == "default")

        // Graceful stop: STOPPING=1, a drain, exit 0, the socket gone.
        kill(daemon.processIdentifier, SIGTERM)
        #expect(await systemd.next { $0.contains("STOPPING=1") } != nil)
        await daemon.exited()
        #expect(daemon.terminationStatus == 0, "\(deployment.log)")
        #expect(deployment.log.contains("stopped: 10 booked"))
        #expect(!FileManager.default.fileExists(atPath: deployment.socket.path))
        #expect(sandbox.ledger.doubleBookings.isEmpty)
    }

    func currentStatus(_ deployment: Deployment) async throws -> StatusReply {
        let output = try await deployment.relaisctl(["status", "--json"])
        return try JSONDecoder().decode(StatusReply.self, from: Data(output.stdout.utf8))
    }

    func waitForStatus(_ deployment: Deployment, until done: (StatusReply) -> Bool) async throws -> StatusReply {
        let deadline = Date().addingTimeInterval(30)
        var status = try await currentStatus(deployment)
        while !done(status), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try await currentStatus(deployment)
        }
        return status
    }
}

/// Plays systemd's side of `$NOTIFY_SOCKET`: a datagram socket that collects messages.
/// Safety of `@unchecked Sendable`: one test reads the socket, one wait at a time.
final class NotifyListener: @unchecked Sendable {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next message that satisfies `wanted`, skipping others (STATUS=, WATCHDOG=1), or
    /// nil after 20 seconds. Waits off the cooperative pool (the daemon may need this
    /// process's sandbox to answer before it sends what is awaited).
    func next(where wanted: @escaping @Sendable (String) -> Bool) async -> String? {
        await offPool { self.nextBlocking(where: wanted) }
    }

    private func nextBlocking(where wanted: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(20)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = String(decoding: buffer.prefix(count), as: UTF8.self)
            if wanted(message) { return message }
        }
        return nil
    }

    deinit {
        close(fd)
        unlink(path)
    }
}
