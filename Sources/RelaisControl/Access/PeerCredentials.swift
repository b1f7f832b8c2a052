import NIOCore
import RelaisControlAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Who is at the other end of a control connection, as the kernel says (`SO_PEERCRED`,
/// socket(7)): not a claim the client makes.
///
/// The layout mirrors C's `struct ucred` (pid, uid, gid: 12 bytes), which Swift's Glibc
/// module does not import because glibc declares it only under `_GNU_SOURCE`.
public struct PeerCredentials: Hashable, Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// Reads `SO_PEERCRED` from a connected Unix socket's channel.
    public static func of(_ channel: any Channel) async throws -> PeerCredentials {
        guard let provider = channel as? any SocketOptionProvider else { throw ErrorReply.noCredentials }
        // Safety of the unsafe read: `PeerCredentials` has exactly `struct ucred`'s layout.
        let credentials: PeerCredentials = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        ).get()
        return credentials
    }
}
