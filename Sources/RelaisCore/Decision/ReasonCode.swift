/// Why a candidate is not eligible (SPEC §7.1). Declaration order is the order reasons are
/// listed in records.
public enum ReasonCode: String, CaseIterable, Codable, Sendable {
    /// The policy or a rule excludes the carrier or the service.
    case excluded
    /// The service delivers in another mode (home, relay, locker, store).
    case mode
    /// No zone of the carrier matches the destination, or the service does not serve it.
    case coverage
    /// A parcel is heavier than the service takes.
    case weight
    /// A parcel is longer, or has a larger girth, than the service takes.
    case size
    /// No price for that weight band and zone.
    case rate
    /// A last-mile vehicle with share > 0 is not allowed.
    case fleet
    /// The shipment's emissions exceed `max_co2e_g`.
    case co2e
    /// The carrier's daily cap or maximum share at the site is reached.
    case capacity
    /// The carrier's circuit breaker is open (daemon only).
    case health
    /// The ETA at the policy's confidence is later than `promised_by`.
    case promise
    /// A return service for an outbound shipment, or the reverse (SPEC §14). Last, so the
    /// bits of the codes before it stay where records put them.
    case direction
}

/// A set of reasons, kept as bits so the hot path allocates nothing.
public struct ReasonSet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    @inlinable
    public init(_ code: ReasonCode) { self.init(rawValue: 1 << UInt16(ReasonCode.allCases.firstIndex(of: code)!)) }

    public init(_ codes: [ReasonCode]) {
        self.init()
        for code in codes { insert(ReasonSet(code)) }
    }

    public static let excluded = ReasonSet(rawValue: 1 << 0)
    public static let mode = ReasonSet(rawValue: 1 << 1)
    public static let coverage = ReasonSet(rawValue: 1 << 2)
    public static let weight = ReasonSet(rawValue: 1 << 3)
    public static let size = ReasonSet(rawValue: 1 << 4)
    public static let rate = ReasonSet(rawValue: 1 << 5)
    public static let fleet = ReasonSet(rawValue: 1 << 6)
    public static let co2e = ReasonSet(rawValue: 1 << 7)
    public static let capacity = ReasonSet(rawValue: 1 << 8)
    public static let health = ReasonSet(rawValue: 1 << 9)
    public static let promise = ReasonSet(rawValue: 1 << 10)
    public static let direction = ReasonSet(rawValue: 1 << 11)

    /// The codes, in declaration order.
    public var codes: [ReasonCode] {
        ReasonCode.allCases.enumerated().compactMap { rawValue & (1 << UInt16($0.offset)) != 0 ? $0.element : nil }
    }
}
