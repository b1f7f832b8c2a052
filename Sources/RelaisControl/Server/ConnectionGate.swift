import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Counts the control socket's connections by peer uid (`SO_PEERCRED`) and closes those
/// over ``ConnectionLimits`` as soon as they open, before they hold anything but a
/// descriptor for an instant.
final class ConnectionGate: Sendable {
    let limits: ConnectionLimits
    private let permission: WritePermission
    private let logger: Logger
    private let count: Mutex<ConnectionCount>
    /// One warning per 10 s at most: a flood of refusals must not flood the journal too.
    private let lastWarning = Mutex<ContinuousClock.Instant?>(nil)

    init(limits: ConnectionLimits, permission: WritePermission, logger: Logger) {
        self.limits = limits
        self.permission = permission
        self.logger = logger
        self.count = Mutex(ConnectionCount(limits: limits))
    }

    /// Connections open now, all users together.
    var open: Int { count.withLock { $0.total } }

    func admit(_ peer: PeerCredentials) -> ConnectionCount.Admission {
        let admission = count.withLock { $0.admit(uid: peer.uid) { permission.allows(peer) } }
        if admission != .admitted { warn(peer, admission) }
        return admission
    }

    func release(uid: UInt32) { count.withLock { $0.release(uid: uid) } }

    private func warn(_ peer: PeerCredentials, _ admission: ConnectionCount.Admission) {
        let now = ContinuousClock.now
        let due = lastWarning.withLock { last in
            guard last.map({ now - $0 >= .seconds(10) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let why: String
        switch admission {
        case .admitted: return
        case .full: why = "all \(limits.maxConnections) connections are in use"
        case .reserveOnly: why = "only the \(limits.reserved) connections kept for operators are left"
        case .userLimit: why = "uid \(peer.uid) already holds \(limits.perUser) connections"
        }
        logger.warning(
            "control: connection refused: \(why) (further refusals in the next 10 s are not logged)",
            metadata: ["relais.uid": "\(peer.uid)", "relais.pid": "\(peer.pid)"])
    }

    /// A handler for each accepted connection.
    func makeHandler() -> ConnectionGateHandler { ConnectionGateHandler(gate: self) }
}

/// Asks the ``ConnectionGate`` when its connection opens, closes the connection if refused,
/// and gives the place back when it closes.
final class ConnectionGateHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let gate: ConnectionGate
    private var checked = false
    private var admittedUID: UInt32?

    init(gate: ConnectionGate) { self.gate = gate }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { check(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        check(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        releaseIfAdmitted()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { releaseIfAdmitted() }

    private func releaseIfAdmitted() {
        if let uid = admittedUID {
            gate.release(uid: uid)
            admittedUID = nil
        }
    }

    private func check(_ context: ChannelHandlerContext) {
        guard !checked else { return }
        checked = true
        guard let provider = context.channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        // Safety of the unsafe read: `PeerCredentials` has exactly `struct ucred`'s layout.
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        credentials.assumeIsolated().whenComplete { result in
            guard case .success(let peer) = result, self.gate.admit(peer) == .admitted else {
                context.close(promise: nil)
                return
            }
            self.admittedUID = peer.uid
        }
    }
}
