import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The control API served on the Unix socket (`paths.socket`), as a service of the
/// daemon's service group.
///
/// Rules, and why:
/// 1. **One daemon per socket.** ``claimSocket(path:)`` runs before the daemon opens its
///    database: if a daemon answers on the socket, starting a second one would make its
///    in-flight bookings `uncertain`, so start-up stops there. A socket nobody answers is a
///    stale one from a crash, and is replaced.
/// 2. **The directory gates who connects; `SO_PEERCRED` gates who writes.** The socket
///    file is 0666; its directory's mode decides which users reach it.
/// 3. **Ready means bound.** `onReady` runs once the socket accepts connections: that is
///    when the daemon tells systemd `READY=1`.
/// 4. **No client can starve the daemon.** ``ConnectionLimits``: a cap on connections with
///    a reserve that only root, the daemon's user and the operator group may use, a cap per
///    user for everyone else, and an idle timeout that also bounds how long a request's
///    headers may take. Connections over a limit are closed as soon as they open.
/// 5. **The pipeline cannot slow the socket.** The socket and its handlers run on a thread
///    of their own (``ControlEventLoop``), not on Swift's cooperative pool where booking
///    runs: status answers within milliseconds while booking saturates the cores.
public struct ControlServer: Service {
    public let socketPath: String
    let state: DaemonState
    let logger: Logger
    let onReady: @Sendable () async -> Void
    let gate: ConnectionGate

    public init(
        socketPath: String, state: DaemonState, logger: Logger, limits: ConnectionLimits = .default,
        onReady: @escaping @Sendable () async -> Void = {}
    ) {
        self.socketPath = socketPath
        self.state = state
        self.logger = logger
        self.onReady = onReady
        self.gate = ConnectionGate(limits: limits, permission: state.permission, logger: logger)
    }

    /// Connections open now.
    public var openConnections: Int { gate.open }

    public func run() async throws {
        let path = socketPath
        let onReady = self.onReady
        let logger = self.logger
        let gate = self.gate
        let idle = gate.limits.idleTimeout.components
        let application = Application(
            router: ControlRouter.make(state: state),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [gate.makeHandler()],
                    idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))),
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "relaisd"),
            onServerRunning: { _ in
                // Connectable by every user who can reach the directory; see rule 2.
                chmod(path, 0o666)
                logger.info("control: listening", metadata: ["relais.socket": "\(path)"])
                await onReady()
            },
            eventLoopGroupProvider: .shared(ControlEventLoop.shared.group),
            logger: logger)
        defer { unlink(path) }
        let priority = await ControlEventLoop.shared.priority
        let rank =
            priority.after < priority.before
            ? "(the process at \(priority.before))"
            : "as the process: not allowed higher (unit: Nice=5, LimitNICE=+0)"
        let slice =
            priority.sliceNanoseconds.map { "a time slice of \(Double($0) / 1_000_000) ms" }
            ?? priority.sliceRefusal.map { "the kernel's default time slice (sched_setattr refused: \($0))" }
            ?? "the kernel's default time slice (this kernel keeps no custom slice: Linux 6.12 or later does)"
        logger.info("control: the socket's thread runs at nice \(priority.after) \(rank), with \(slice)")
        try await withTaskExecutorPreference(ControlEventLoop.shared) { try await application.run() }
    }

    /// Makes sure `path` can be bound: creates its directory if missing, removes a stale
    /// socket, and refuses if a daemon answers there or the path is not a socket.
    public static func claimSocket(path: String) throws(ControlServerError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw ControlServerError("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ControlServerError("\(path) exists and is not a socket; refusing to replace it")
        }
        if answers(path: path) {
            throw ControlServerError("another relaisd answers on \(path); stop it first (two daemons must not share one database)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ControlServerError("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether something accepts connections on the socket at `path`.
    static func answers(path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}

/// Why the control socket cannot be served.
public struct ControlServerError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
