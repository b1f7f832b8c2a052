/// How a store reads allocation counts (SPEC §6) for a window of creation times: the whole
/// quarter hours from the counts its triggers keep (`created_at / 900000`, SQLite's schema
/// v9, PostgreSQL's v6), and the parts of a quarter at either end, if any, from the
/// shipments themselves. Every time zone in use starts its days on a quarter hour, so a
/// site's day has no partial quarters.
public struct AllocationQuarters: Hashable, Sendable {
    /// Milliseconds in a quarter hour: the counts' unit.
    public static let milliseconds: Int64 = 900_000

    /// The whole quarters inside the window, by number (`created_at / 900000`); empty when none.
    public var whole: Range<Int64>
    /// The rest of the window, in milliseconds: at most two short ranges, none when the
    /// window starts and ends on a quarter.
    public var partial: [Range<Int64>]

    /// The window [`from`, `until`), in milliseconds since the epoch.
    public init(from: Int64, until: Int64) {
        let quarter = Self.milliseconds
        let first = Self.floorDivision(from + quarter - 1, quarter)
        let end = Self.floorDivision(until, quarter)
        if first < end {
            whole = first..<end
            partial = [from..<first * quarter, end * quarter..<until].filter { !$0.isEmpty }
        } else {
            whole = 0..<0
            partial = from < until ? [from..<until] : []
        }
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
