import GRDB

/// A column's value as ``ColumnIndex`` reads it: texts and numbers straight from SQLite's
/// column (GRDB's `StatementColumnConvertible` path), an optional as NULL or its value.
///
/// - Important: Why not GRDB's generic subscript: an optional took its slow path, which
///   looks up `Optional<String>`'s metadata and conformance at run time for every value
///   (about 6 % of listing 20 shipments). Here every read is resolved at compile time.
protocol ColumnValue {
    /// The value at `index`; a missing column (`-1`) reads as NULL, and traps for a value
    /// that cannot be NULL, as GRDB's subscript does.
    static func read(_ row: Row, at index: Int) -> Self
}

extension ColumnValue where Self: DatabaseValueConvertible & StatementColumnConvertible {
    static func read(_ row: Row, at index: Int) -> Self {
        precondition(index >= 0, "no such column")
        return row[index]
    }
}

extension String: ColumnValue {}
extension Int: ColumnValue {}
extension Int64: ColumnValue {}
extension Double: ColumnValue {}
extension Bool: ColumnValue {}

extension Optional: ColumnValue where Wrapped: ColumnValue {
    static func read(_ row: Row, at index: Int) -> Self {
        index < 0 || row.hasNull(atIndex: index) ? nil : Wrapped.read(row, at: index)
    }
}
