/// A queue several relaisd nodes share (SPEC §16): what each node holds right now.
/// PostgreSQL answers it; a SQLite store has one node, and does not.
public protocol SharedQueue: Sendable {
    /// Per node holding shipments in `booking`: how many, and until when its latest lease
    /// runs; by node name.
    func claimsByNode() async throws -> [NodeClaims]
}

/// The `booking` shipments one node holds, and its latest lease.
public struct NodeClaims: Hashable, Sendable {
    public var node: String
    public var shipments: Int
    /// Milliseconds since the Unix epoch; past it, another node's takeover may take them.
    public var leaseUntil: Int64

    public init(node: String, shipments: Int, leaseUntil: Int64) {
        self.node = node
        self.shipments = shipments
        self.leaseUntil = leaseUntil
    }
}
