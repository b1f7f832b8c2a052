/// Polls `condition` every 20 ms until it holds or `within` has passed: for what another
/// process or server does on its own time (a sandbox recording a booking after the client
/// gave up, a webhook delivered). Returns whether it held.
public func eventually(within: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
