#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells systemd how the daemon is doing: one datagram per message to `$NOTIFY_SOCKET`,
/// which is all `sd_notify(3)` does, so Relais needs no libsystemd.
///
/// Without `$NOTIFY_SOCKET` (not run by systemd with `Type=notify`) every call does nothing.
/// A path starting with `@` names a socket in the abstract namespace.
///
/// See https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html
public struct SystemdNotifier: Sendable {
    /// `$NOTIFY_SOCKET`, if set.
    public let socketPath: String?

    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.socketPath = path
    }

    public var isEnabled: Bool { socketPath != nil }

    /// `READY=1`: start-up is complete (after migrations, recovery and bind), or a reload
    /// is finished.
    public func ready(status: String? = nil) { send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }

    /// `STATUS=`: one line for `systemctl status`.
    public func status(_ line: String) { send(["STATUS=\(line.replacing("\n", with: " "))"]) }

    /// `RELOADING=1` with `MONOTONIC_USEC`, as `Type=notify-reload` requires; follow with
    /// ``ready(status:)`` when the reload is over, whether it was applied or refused.
    public func reloading() { send(["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.microseconds())"]) }

    /// `STOPPING=1`: a graceful stop has begun.
    public func stopping() { send(["STOPPING=1"]) }

    /// `WATCHDOG=1`: the work loops are alive. Sent by ``Watchdog``, not by a timer.
    public func watchdog() { send(["WATCHDOG=1"]) }

    /// Sends newline-separated assignments as one datagram. Returns false when systemd is
    /// not listening or the send failed; a notification is never worth stopping the daemon.
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        guard let socketPath else { return false }
        let message = assignments.joined(separator: "\n")
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        // Abstract names are exactly their bytes; file names carry their terminating NUL.
        let length = socklen_t(pathOffset + pathBytes.count + (abstract ? 0 : 1))
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), sockaddrPointer, length)
                }
            }
        }
        return sent == message.utf8.count
    }
}

/// `CLOCK_MONOTONIC`, which systemd's `MONOTONIC_USEC` and the watchdog are measured on.
public enum MonotonicClock {
    public static func microseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}
