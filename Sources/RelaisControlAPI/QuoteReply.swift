import RelaisCore

/// `POST /v1/quote`: each order of the body decided as a shipment of its own (SPEC §7.5
/// records); nothing is stored.
public struct QuoteReply: Codable, Hashable, Sendable {
    public var decisions: [DecisionRecord]
    public var rejected: [SubmitReply.Rejected]
    /// With a 422, the API's error fields (SPEC §10).
    public var error: String?
    public var reason: String?

    public init(decisions: [DecisionRecord], rejected: [SubmitReply.Rejected]) {
        self.decisions = decisions
        self.rejected = rejected
        if let reason = SubmitReply.refusal(rejected: rejected, conflicts: []) {
            self.error = "refused"
            self.reason = reason
        }
    }
}
