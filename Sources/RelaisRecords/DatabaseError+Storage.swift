import GRDB
import RelaisStore

/// SQLite says the disk (or the database's size limit) is full with `SQLITE_FULL`.
extension DatabaseError: StorageFullReporting {
    public var isStorageFull: Bool { resultCode == .SQLITE_FULL }
}
