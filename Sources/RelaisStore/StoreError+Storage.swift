import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An engine's error that can tell whether it means "out of space" (SQLite's `SQLITE_FULL`,
/// PostgreSQL's `53100`): each store module conforms its own error type.
public protocol StorageFullReporting: Error {
    var isStorageFull: Bool { get }
}

extension StoreError {
    /// Whether `error` says the disk (or the database's size limit) is full: the engine's
    /// own code, or `ENOSPC` from a file write. A condition that passes when space returns,
    /// unlike a refused write: callers pause and retry, and the control API answers 503 with
    /// `Retry-After`.
    public static func isStorageFull(_ error: any Error) -> Bool {
        if let engine = error as? any StorageFullReporting { return engine.isStorageFull }
        if let posix = error as? POSIXError { return posix.code == .ENOSPC }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return nsError.code == Int(ENOSPC) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return underlying.code == Int(ENOSPC)
        }
        return false
    }
}
