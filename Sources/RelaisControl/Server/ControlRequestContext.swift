import Hummingbird
import NIOCore

/// The request context of the control API: Hummingbird's core storage, the connection's
/// channel (for `SO_PEERCRED`), and the peer once a write has been authorised.
public struct ControlRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel
    /// Set by ``WriteAccessMiddleware`` on writes.
    public var peer: PeerCredentials?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Order submissions may be as large as a spool file (`[intake] max_file_bytes`);
    /// ``ControlRouter`` enforces the configured limit itself.
    public var maxUploadSize: Int { 64 << 20 }
}
