import RelaisCore

/// `0`, `1030`: instants in milliseconds since the epoch, as tests write them.
extension Instant: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) {
        self.init(millisecondsSinceEpoch: value)
    }
}

extension Int64 {
    /// These milliseconds since the epoch as an instant (test fixtures keep times as numbers).
    public var instant: Instant { Instant(millisecondsSinceEpoch: self) }
}
