/// The forward-only rule of SPEC §13: which status a shipment shows, given the events known.
///
/// Pure: the events in, the status out. A shipment's status is that of its latest event by
/// the carrier's event time, except that
/// - a terminal status (`delivered`, `returned_to_sender`, `cancelled`) is never replaced by
///   a non-terminal one: a late scan after delivery is recorded, not obeyed;
/// - of two events at the same time, the one further along the journey decides;
/// - an `unknown` event (a code carrier.toml does not map) never replaces a known status: it
///   is recorded and counted, but does not tell the shop its parcel is lost. Only a
///   shipment whose every event is unknown shows `unknown`.
public struct TrackingProgress: Hashable, Sendable {
    /// The status shown; nil before the first event.
    public private(set) var status: TrackingStatus?
    /// The time of the latest event that decided the status.
    public private(set) var at: Instant

    public init(status: TrackingStatus? = nil, at: Instant = .epoch) {
        self.status = status
        self.at = at
    }

    /// Takes `event` into account.
    /// - Returns: whether the status shown changed (a `shipment.tracking` event is due).
    @discardableResult
    public mutating func apply(_ event: TrackingEvent) -> Bool {
        guard let shown = status else {
            status = event.status
            at = event.at
            return true
        }
        if shown.isTerminal && !event.status.isTerminal { return false }
        if event.status == .unknown && shown != .unknown { return false }
        // An unknown status gives way to any known one, whatever its time. Two events at the
        // same time (carriers that write minutes only) are ordered by how far along the
        // journey they are: a parcel is not taken back by an event of the same minute.
        let newer =
            event.at > at || (shown == .unknown && event.status != .unknown)
            || (event.at == at && event.status.stage > shown.stage)
        // A terminal event is obeyed over a non-terminal one even when it is older: the
        // parcel was delivered, whatever scan came after.
        let endsIt = event.status.isTerminal && !shown.isTerminal
        guard newer || endsIt else { return false }
        let changed = event.status != shown
        status = event.status
        at = event.at
        return changed
    }
}
