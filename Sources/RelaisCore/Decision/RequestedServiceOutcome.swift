/// What the decision made of the `requested_service` a customer chose at checkout
/// (SPEC §15): honoured while it is eligible; otherwise the decision picks as usual and
/// says why the request could not be.
public struct RequestedServiceOutcome: Hashable, Sendable {
    public var key: ServiceKey
    /// The decision chose it (at its best origin).
    public var honoured: Bool
    /// Why not, when not honoured: the reasons of its closest candidate (the fewest
    /// reasons; then the first origin by id). Empty when the panel has no such service.
    public var reasons: ReasonSet
    /// The origin of that closest candidate.
    public var origin: String?
    /// The panel has a service under this key.
    public var inPanel: Bool

    public init(key: ServiceKey, honoured: Bool, reasons: ReasonSet = [], origin: String? = nil, inPanel: Bool = true) {
        self.key = key
        self.honoured = honoured
        self.reasons = reasons
        self.origin = origin
        self.inPanel = inPanel
    }

    /// One line for explanations: `requested colissimo/DOM: not eligible (promise)`.
    public var summary: String {
        if honoured { return "requested \(key): honoured" }
        if !inPanel { return "requested \(key): not in the carrier panel" }
        let codes = reasons.codes.map(\.rawValue).joined(separator: ", ")
        return "requested \(key): not eligible (\(codes)\(origin.map { " from \($0)" } ?? ""))"
    }
}
