import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

extension StoreError {
    /// Whether `error` says the disk (or the database's size limit) is full: SQLite's
    /// `SQLITE_FULL`, or `ENOSPC` from a file write. A condition that passes when space
    /// returns, unlike a refused write: callers pause and retry, and the control API answers
    /// 503 with `Retry-After`.
    public static func isStorageFull(_ error: any Error) -> Bool {
        if let database = error as? DatabaseError {
            return database.resultCode == .SQLITE_FULL
        }
        if let posix = error as? POSIXError { return posix.code == .ENOSPC }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return nsError.code == Int(ENOSPC) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return underlying.code == Int(ENOSPC)
        }
        return false
    }
}
