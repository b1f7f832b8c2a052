#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Who may write through the control socket (SPEC §10): root, the daemon's own user, and
/// members of the operator group; everybody who can reach the socket may read.
///
/// The socket itself is world-connectable (mode 0666); which users reach it at all is
/// decided by the mode of its directory (`RuntimeDirectoryMode=`), and who may change
/// anything by this rule, from the kernel's `SO_PEERCRED`.
public struct WritePermission: Sendable {
    public let daemonUID: UInt32
    /// `[control] operator_group`.
    public let operatorGroup: String

    public init(daemonUID: UInt32 = getuid(), operatorGroup: String) {
        self.daemonUID = daemonUID
        self.operatorGroup = operatorGroup
    }

    /// Whether `peer` may write. Group membership is read from the system's user and group
    /// databases at each call, so adding an operator to the group needs no restart.
    public func allows(_ peer: PeerCredentials) -> Bool {
        let operatorGID = Self.groupID(named: operatorGroup)
        let groups = operatorGID == nil ? [] : Self.groups(ofUID: peer.uid).union([peer.gid])
        return Self.allows(uid: peer.uid, groups: groups, daemonUID: daemonUID, operatorGID: operatorGID)
    }

    /// The rule alone.
    public static func allows(uid: UInt32, groups: Set<UInt32>, daemonUID: UInt32, operatorGID: UInt32?) -> Bool {
        if uid == 0 || uid == daemonUID { return true }
        guard let operatorGID else { return false }
        return groups.contains(operatorGID)
    }

    static func groupID(named name: String) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    /// The primary and supplementary groups of the user with `uid`; empty if unknown.
    static func groups(ofUID uid: UInt32) -> Set<UInt32> {
        var passwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &passwd, &buffer, buffer.count, &result) == 0, result != nil, let name = passwd.pw_name else {
            return []
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, passwd.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, passwd.pw_gid, &groups, &count) >= 0 else { return [passwd.pw_gid] }
        }
        return Set(groups.prefix(Int(count)))
    }
}
