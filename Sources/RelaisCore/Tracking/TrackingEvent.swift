/// One event of a parcel's journey as the carrier reported it, with its normalised status.
public struct TrackingEvent: Hashable, Sendable {
    /// The carrier's event time.
    public var at: Instant
    /// The carrier's own event code (`PCHCFM`, `DI1`).
    public var code: String
    /// The status the code maps to; `unknown` when carrier.toml does not map it.
    public var status: TrackingStatus
    /// The carrier's wording of the event, if it sends one.
    public var label: String?
    /// Where it happened, as the carrier names it.
    public var location: String?

    public init(at: Instant, code: String, status: TrackingStatus, label: String? = nil, location: String? = nil) {
        self.at = at
        self.code = code
        self.status = status
        self.label = label
        self.location = location
    }

    /// Events are the same when their code and time are (SPEC §13): a carrier that lists an
    /// event twice, or again at the next poll, adds nothing.
    public var key: Key { Key(code: code, at: at) }

    /// What de-duplicates events: (code, time).
    public struct Key: Hashable, Sendable {
        public var code: String
        public var at: Instant
    }
}
