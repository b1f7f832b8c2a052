/// What a relaisctl command produced: text for each stream and the exit status.
///
/// Commands are functions returning this value so that tests run them in-process; the
/// executable only prints it and exits.
public struct CommandOutput: Sendable {
    public var stdout: String
    public var stderr: String
    public var status: ExitStatus

    public init(stdout: String = "", stderr: String = "", status: ExitStatus = .success) {
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
    }
}

/// relaisctl's documented exit statuses (README, "Exit statuses").
public enum ExitStatus: Int32, Sendable {
    /// Done.
    case success = 0
    /// The input is invalid: `check` found errors, or `quote` rejected the order.
    case invalid = 1
    /// Cannot run: configuration, panel or policy missing or unreadable.
    case cannotRun = 2
}
