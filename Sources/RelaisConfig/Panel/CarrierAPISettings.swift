/// The connection settings of a carrier's booking API (`[api]` of carrier.toml, SPEC §5).
///
/// Operations (`book`, `login`, `cancel`, …) are described by the booking stage, which
/// owns their format; here they are only kept as raw tables.
public struct CarrierAPISettings: Hashable, Sendable {
    public var baseURL: String
    /// The deadline of one call, seconds.
    public var timeoutSeconds: Double
    /// Calls under way at once to this carrier.
    public var maxInFlight: Int
    /// A file in `$CREDENTIALS_DIRECTORY` (systemd LoadCredential), if the API needs one.
    public var credentials: String?

    public init(baseURL: String, timeoutSeconds: Double = 15, maxInFlight: Int = 8, credentials: String? = nil) {
        self.baseURL = baseURL
        self.timeoutSeconds = timeoutSeconds
        self.maxInFlight = maxInFlight
        self.credentials = credentials
    }
}
