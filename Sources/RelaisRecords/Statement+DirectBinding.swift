import GRDB
import GRDBSQLite

/// Values bound one after the other, from the first `?`, straight to a prepared statement's
/// SQLite handle.
struct DirectBindings {
    fileprivate let handle: SQLiteStatement
    /// The last `?` bound (1-based).
    fileprivate(set) var count: Int32 = 0

    /// SQLite copies the text while binding: nothing outlives the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    mutating func bind(_ value: String?) {
        count += 1
        if let value { sqlite3_bind_text(handle, count, value, -1, Self.transient) } else { sqlite3_bind_null(handle, count) }
    }

    mutating func bind(_ value: Int64?) {
        count += 1
        if let value { sqlite3_bind_int64(handle, count, value) } else { sqlite3_bind_null(handle, count) }
    }

    mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

    /// As GRDB stores a `Bool`: 1 or 0.
    mutating func bind(_ value: Bool?) { bind(value.map { Int64($0 ? 1 : 0) }) }

    mutating func bind(_ value: Double?) {
        count += 1
        if let value { sqlite3_bind_double(handle, count, value) } else { sqlite3_bind_null(handle, count) }
    }
}

extension Statement {
    /// Runs this statement, an `INSERT` or `UPDATE` returning no rows, with the values
    /// `bind` binds, without GRDB's `StatementArguments`.
    ///
    /// - Important: Why: a decision is recorded with its ten candidates, 187 values per
    ///   shipment. Through `StatementArguments` every value was boxed as an existential,
    ///   converted to a `DatabaseValue`, validated against the statement and bound in a
    ///   closure of its own: 2.6 % of relaisd's CPU while booking, as much as SQLite's own
    ///   work for those inserts. Only for statements of this module, in the writer's
    ///   transaction: the statement is reset before binding, and reset and cleared after, as
    ///   GRDB leaves its own.
    /// - Precondition: `bind` binds every `?` of the statement, in order.
    /// - Throws: `DatabaseError` with SQLite's code and message (`SQLITE_FULL` for a full disk).
    func run(in db: Database, _ bind: (inout DirectBindings) -> Void) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        var bindings = DirectBindings(handle: handle)
        bind(&bindings)
        precondition(bindings.count == sqlite3_bind_parameter_count(handle), "\(bindings.count) values bound for: \(sql)")
        let code = sqlite3_step(handle)
        let message = code == SQLITE_DONE ? nil : db.lastErrorMessage
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
    }
}
