import RelaisCore

/// How both stores record what became of a requested service (SPEC §15): the columns
/// `requested_service`, `requested_honoured`, `requested_reasons`, `requested_origin`.
extension RequestedServiceOutcome {
    /// `requested_reasons`: the reason codes, comma-separated; nil for a service the panel
    /// does not have.
    public var recordedReasons: String? { inPanel ? reasons.codes.map(\.rawValue).joined(separator: ",") : nil }

    /// The outcome as recorded; nil when the shipment requested no service (or its key no
    /// longer parses).
    public init?(recordedService service: String?, honoured: Bool?, reasons: String?, origin: String?) {
        guard let service, let key = ServiceKey(parsing: service) else { return nil }
        self.init(
            key: key, honoured: honoured ?? false,
            reasons: ReasonSet((reasons ?? "").split(separator: ",").compactMap { ReasonCode(rawValue: String($0)) }),
            origin: origin, inPanel: reasons != nil || (honoured ?? false))
    }
}
