/// `POST /v1/shipments/{id}/{hold|release|retry|requeue|fail|cancel}`.
public struct ActionReply: Codable, Hashable, Sendable {
    public var id: String
    public var action: String
    public var previousState: String
    public var state: String
    /// What is still under way (a cancel pending at the carrier, SPEC §14); absent otherwise.
    public var pending: String?

    public init(id: String, action: String, previousState: String, state: String, pending: String? = nil) {
        self.id = id
        self.action = action
        self.previousState = previousState
        self.state = state
        self.pending = pending
    }

    enum CodingKeys: String, CodingKey {
        case id, action, previousState = "previous_state", state, pending
    }
}

/// `POST /v1/reload`: all or nothing.
public struct ReloadReply: Codable, Hashable, Sendable {
    /// False when a file was refused: the previous set stays in force.
    public var applied: Bool
    public var policy: StatusReply.PolicyRef
    public var carriers: [String]
    /// `file:line: message`, when refused.
    public var problems: [String]
    /// Changes to relais.toml that only a restart applies (paths, `[booking]`, `[control]`).
    public var needsRestart: [String]
    /// When refused (422), the API's error fields (SPEC §10).
    public var error: String?
    public var reason: String?

    public init(applied: Bool, policy: StatusReply.PolicyRef, carriers: [String], problems: [String], needsRestart: [String]) {
        self.applied = applied
        self.policy = policy
        self.carriers = carriers
        self.problems = problems
        self.needsRestart = needsRestart
        if !applied {
            error = "refused"
            let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
            reason = "the previous configuration stays in force: " + (problems.first ?? "refused") + more
        }
    }

    enum CodingKeys: String, CodingKey {
        case applied, policy, carriers, problems, needsRestart = "needs_restart", error, reason
    }
}

/// Every error of the control API: `{"error": "…", "reason": "…"}` with a 4xx/5xx status.
public struct ErrorReply: Codable, Hashable, Sendable, Error {
    /// A short stable code: `not-found`, `forbidden`, `refused`, `bad-request`, `internal`.
    public var error: String
    /// In words, for the operator.
    public var reason: String

    public init(error: String, reason: String) {
        self.error = error
        self.reason = reason
    }
}
