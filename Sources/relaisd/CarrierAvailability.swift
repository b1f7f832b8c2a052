import Synchronization

/// The carriers whose credentials could not be read at the last start or reload: shown in
/// `/v1/status` and passed over by the decision, as open breakers are.
final class CarrierAvailability: Sendable {
    private let state: Mutex<[String: String]>

    init(_ unavailable: [String: String]) { state = Mutex(unavailable) }

    var unavailable: [String: String] { state.withLock { $0 } }

    func replace(_ unavailable: [String: String]) { state.withLock { $0 = unavailable } }
}
