import RelaisCore

/// The service a recorded decision chose, with its figures as decided.
public struct RecordedChoice: Hashable, Sendable {
    public var key: ServiceKey
    public var price: Money?
    public var leadDays: Int?
    public var co2eGrams: Double?
    /// The decision sent it knowing it would miss the promise (`fastest`).
    public var late: Bool

    public init(key: ServiceKey, price: Money?, leadDays: Int?, co2eGrams: Double?, late: Bool) {
        self.key = key
        self.price = price
        self.leadDays = leadDays
        self.co2eGrams = co2eGrams
        self.late = late
    }
}
