import Foundation
import RelaisCore

/// `relais.toml`: where things are, which policy is active, and the sites (SPEC §10).
///
/// Every key has a default, documented in `systemd/relais.toml`. Relative paths are taken
/// relative to the directory of the configuration file.
public struct DaemonConfig: Sendable {
    public struct Paths: Hashable, Sendable {
        /// `relais.sqlite` and `labels/`.
        public var state: String = "/var/lib/relais"
        /// `tmp/ new/ done/ rejected/`.
        public var spool: String = "/var/spool/relais"
        public var carriers: String = "/etc/relais/carriers"
        public var policies: String = "/etc/relais/policies"
        public var socket: String = "/run/relais/relais.sock"

        public init() {}
    }

    public struct Intake: Hashable, Sendable {
        /// Orders ready within this many seconds of each other may ship together; 0 = off.
        public var consolidationWindowSeconds: Int = 0
        /// Spool files over this size are rejected unread.
        public var maxFileBytes: Int = 16 << 20

        public init() {}
    }

    public struct Control: Hashable, Sendable {
        /// Members may write through the socket, with root and the daemon's own user.
        public var operatorGroup: String = "relais"

        public init() {}
    }

    /// The file it was read from, if any.
    public var file: String?
    public var paths = Paths()
    /// The name of the active policy: `policies/<active>.toml`.
    public var activePolicy = "default"
    public var intake = Intake()
    public var control = Control()
    public var sites: [Site] = []

    public init() {}

    public func site(id: String) -> Site? { sites.first { $0.id == id } }

    /// `paths.policies/<active>.toml`.
    public var activePolicyFile: String { (paths.policies as NSString).appendingPathComponent("\(activePolicy).toml") }
}
