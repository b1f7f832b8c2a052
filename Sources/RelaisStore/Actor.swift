/// Who changed something: a stage of the daemon, or an operator through the socket.
public struct Actor: Hashable, Sendable {
    public var name: String
    /// The peer's uid for operators (SO_PEERCRED).
    public var uid: UInt32?

    public init(_ name: String, uid: UInt32? = nil) {
        self.name = name
        self.uid = uid
    }

    public static let intake = Actor("intake")
    public static let aggregation = Actor("aggregation")
    public static let booking = Actor("booking")
    public static let recovery = Actor("recovery")
    /// The end-of-day manifest service (SPEC §14).
    public static let manifests = Actor("manifests")
    public static func `operator`(uid: UInt32) -> Actor { Actor("operator", uid: uid) }
}
