/// Bounds on the control socket's connections (issue 20): the socket is connectable by
/// every local user who reaches its directory, so no user may hold enough connections, or
/// hold them long enough, to starve the daemon of file descriptors or lock operators out.
public struct ConnectionLimits: Hashable, Sendable {
    /// Connections open at once, all users together.
    public var maxConnections: Int
    /// Of ``maxConnections``, how many only root, the daemon's user and the operator group
    /// may use: when others fill the rest, an operator still gets in.
    public var reserved: Int
    /// Connections one user outside root, the daemon's user and the operator group may hold.
    public var perUser: Int
    /// A connection with no request under way is closed after this long; it also bounds the
    /// time a client may take to send a request's headers.
    public var idleTimeout: Duration

    public init(maxConnections: Int = 256, reserved: Int = 32, perUser: Int = 32, idleTimeout: Duration = .seconds(30)) {
        self.maxConnections = maxConnections
        self.reserved = min(reserved, maxConnections)
        self.perUser = perUser
        self.idleTimeout = idleTimeout
    }

    public static let `default` = ConnectionLimits()
}

/// The connections open now, and whether one more may open: a value state machine, tested
/// without sockets.
struct ConnectionCount: Sendable {
    let limits: ConnectionLimits
    private(set) var total = 0
    private(set) var byUser: [UInt32: Int] = [:]

    init(limits: ConnectionLimits) { self.limits = limits }

    enum Admission: Equatable, Sendable {
        case admitted
        /// Every connection is in use.
        case full
        /// Only the reserve is left, and this peer may not use it.
        case reserveOnly
        /// This peer holds ``ConnectionLimits/perUser`` connections already.
        case userLimit
    }

    /// Admits a connection from `uid` or says why not. `isPrivileged` (root, the daemon's
    /// user, the operator group: a user database lookup) is asked only when the answer
    /// depends on it.
    mutating func admit(uid: UInt32, isPrivileged: () -> Bool) -> Admission {
        guard total < limits.maxConnections else { return .full }
        let held = byUser[uid, default: 0]
        if total >= limits.maxConnections - limits.reserved || held >= limits.perUser {
            guard isPrivileged() else { return held >= limits.perUser ? .userLimit : .reserveOnly }
        }
        total += 1
        byUser[uid] = held + 1
        return .admitted
    }

    /// A connection admitted for `uid` closed.
    mutating func release(uid: UInt32) {
        guard let held = byUser[uid], held > 0 else { return }
        total -= 1
        byUser[uid] = held == 1 ? nil : held - 1
    }
}
