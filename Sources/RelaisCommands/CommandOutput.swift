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
    /// The input is invalid or refused: `check` found errors, an order was rejected, an ID
    /// is unknown, the shipment's state does not allow the action, a reload was refused.
    case invalid = 1
    /// Cannot run: configuration, panel or policy missing or unreadable; relaisd not
    /// running, or its socket unreachable.
    case cannotRun = 2
    /// Not permitted: the daemon refused a write from this user (403), or the socket's
    /// directory is closed to them.
    case forbidden = 3
    /// Not done yet: a cancel sent to the carrier whose answer was lost is pending (relaisd
    /// asks again), or the carrier did not cancel now. Try later, or look at the shipment.
    case notYet = 4
}
