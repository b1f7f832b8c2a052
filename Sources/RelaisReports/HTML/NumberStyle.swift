import RelaisCore

/// How figures read in a report: neutral (`1234.50`, `62.5%`), exactly as the text and CSV
/// forms print them, or French (`1 234,50`, `62,5 %`) for a manager's HTML report.
///
/// Every figure goes through one of these methods, so a report's text, CSV and HTML forms
/// show the same digits; only the separators change with the locale.
public struct NumberStyle: Hashable, Sendable {
    /// The conventions a report can follow.
    public enum Locale: String, Hashable, Sendable, CaseIterable {
        /// A dot for decimals, no grouping: what the text, JSON and CSV forms print.
        case neutral
        /// A comma for decimals, thin no-break spaces between thousands and before `%`.
        case fr
    }

    public var locale: Locale

    public init(locale: Locale) { self.locale = locale }

    /// As the text, JSON and CSV forms print: `1234.50`, `62.5%`.
    public static let neutral = NumberStyle(locale: .neutral)
    /// `1 234,50`, `62,5 %`.
    public static let french = NumberStyle(locale: .fr)

    /// U+202F NARROW NO-BREAK SPACE: the French thousands separator, and the space before `%`.
    static let thinSpace = "\u{202F}"

    /// `value` to `places` decimals, rounded half away from zero once.
    public func fixed(_ value: Double, _ places: Int) -> String {
        units(Int64((value * Double(FixedPoint.unit(places))).rounded()), scale: places)
    }

    /// `fixed`, with `+` before a positive value (deltas).
    public func signedFixed(_ value: Double, _ places: Int) -> String {
        signedUnits(Int64((value * Double(FixedPoint.unit(places))).rounded()), scale: places)
    }

    /// A fixed-point amount in units of 10^-scale (money: 2, cost: 4).
    public func units(_ units: Int64, scale: Int) -> String { localised(FixedPoint.format(units, scale: scale)) }

    /// `units`, with `+` before a positive amount (deltas).
    public func signedUnits(_ units: Int64, scale: Int) -> String { (units > 0 ? "+" : "") + self.units(units, scale: scale) }

    /// A count: `1234`, `1 234`.
    public func integer(_ value: Int) -> String { localised(String(value)) }

    /// `integer`, with `+` before a positive value (deltas).
    public func signedInteger(_ value: Int) -> String { (value > 0 ? "+" : "") + integer(value) }

    /// An amount to the cent, without its currency (columns and axes name it).
    public func money(_ money: Money) -> String { units(money.minorUnits, scale: 2) }

    /// A share, 0…1, as a percentage to `places` decimals: `62.5%`, `62,5 %`.
    public func percent(_ fraction: Double, places: Int = 1) -> String {
        fixed(fraction * 100, places) + (locale == .fr ? Self.thinSpace : "") + "%"
    }

    /// A neutral number (`-1234.5`) in this style.
    func localised(_ neutral: String) -> String {
        guard locale == .fr else { return neutral }
        var sign = ""
        var digits = Substring(neutral)
        if digits.hasPrefix("-") || digits.hasPrefix("+") {
            sign = String(digits.removeFirst())
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var integer = ""
        for (index, digit) in parts[0].reversed().enumerated() {
            if index > 0, index % 3 == 0 { integer = Self.thinSpace + integer }
            integer = String(digit) + integer
        }
        return sign + integer + (parts.count > 1 ? "," + parts[1] : "")
    }
}
