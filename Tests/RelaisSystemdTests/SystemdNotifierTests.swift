import Foundation
import Testing

@testable import RelaisSystemd

/// The datagrams systemd would receive, read from a socket of the test's own.
@Suite struct SystemdNotifierTests {
    /// A datagram socket bound at a fresh path (or an abstract name) that collects messages.
    final class Listener {
        let fd: Int32
        let path: String

        init(abstract: Bool = false) throws {
            let name = "relais-notify-\(UUID().uuidString.prefix(8))"
            path = abstract ? "@\(name)" : NSTemporaryDirectory() + name
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(path.utf8)
            if abstract { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        /// The next datagram, or nil after two seconds.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
        }

        deinit {
            close(fd)
            if !path.hasPrefix("@") { unlink(path) }
        }
    }

    @Test(arguments: [false, true])
    func sendsReadyStatusReloadingAndStopping(abstract: Bool) throws {
        let listener = try Listener(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path])
        notifier.ready(status: "queued 3, booked 7")
        #expect(listener.receive() == "READY=1\nSTATUS=queued 3, booked 7")
        notifier.status("line one\nline two")
        #expect(listener.receive() == "STATUS=line one line two")

        let before = MonotonicClock.microseconds()
        notifier.reloading()
        let reloading = try #require(listener.receive())
        let lines = reloading.split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { Int64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(stamp >= before && stamp <= MonotonicClock.microseconds())

        notifier.stopping()
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(notifier.send(["READY=1"]) == false)
    }

    @Test func watchdogPingsOnlyAfterEveryLoopBeats() throws {
        let listener = try Listener()
        let environment = ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "4", "WATCHDOG_PID": "\(getpid())"]
        let watchdog = Watchdog(notifier: SystemdNotifier(environment: environment), environment: environment, loops: ["a", "b"])
        #expect(watchdog.isEnabled)
        watchdog.beat("a")
        watchdog.beat("a")
        watchdog.beat("b")
        #expect(listener.receive() == "WATCHDOG=1")
    }

    @Test func watchdogForAnotherProcessIsOff() {
        let environment = ["NOTIFY_SOCKET": "/nonexistent", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"]
        let watchdog = Watchdog(notifier: SystemdNotifier(environment: environment), environment: environment, loops: ["a"])
        #expect(getpid() == 1 || !watchdog.isEnabled)
    }
}
