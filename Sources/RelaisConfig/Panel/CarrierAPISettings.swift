/// A carrier's booking API (`[api]` of carrier.toml, SPEC §5 and §9).
public struct CarrierAPISettings: Hashable, Sendable {
    public var baseURL: String
    /// The deadline of one call, seconds.
    public var timeoutSeconds: Double
    /// Calls under way at once to this carrier.
    public var maxInFlight: Int
    /// Calls started per second at most; nil for no limit beyond `maxInFlight`.
    public var ratePerSecond: Double?
    /// A file in `$CREDENTIALS_DIRECTORY` (systemd LoadCredential), if the API needs one.
    public var credentials: String?
    /// By name: `book` (required), `login`, `lookup`, `cancel`, …
    public var operations: [String: CarrierOperation]
    /// `[api.cancel] local = true`: the carrier has no cancel call and bills only the
    /// parcels it scans, so a booked shipment is cancelled in Relais alone and kept off the
    /// manifest (SPEC §14).
    public var cancelsLocally: Bool = false

    public init(
        baseURL: String, timeoutSeconds: Double = 15, maxInFlight: Int = 8, ratePerSecond: Double? = nil,
        credentials: String? = nil, operations: [String: CarrierOperation] = [:]
    ) {
        self.baseURL = baseURL
        self.timeoutSeconds = timeoutSeconds
        self.maxInFlight = maxInFlight
        self.ratePerSecond = ratePerSecond
        self.credentials = credentials
        self.operations = operations
    }

    public var book: CarrierOperation? { operations["book"] }
    public var login: CarrierOperation? { operations["login"] }
    public var lookup: CarrierOperation? { operations["lookup"] }
    public var cancel: CarrierOperation? { operations["cancel"] }
    public var manifest: CarrierOperation? { operations["manifest"] }
    public var track: CarrierOperation? { operations["track"] }
}
