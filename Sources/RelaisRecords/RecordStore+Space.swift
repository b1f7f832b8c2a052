import RelaisStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension RecordStore {
    /// Bytes an unprivileged writer may still use on the database's file system (statvfs),
    /// or nil if it cannot be read. After a full disk, stages wait for some room before
    /// they resume, rather than resuming on the first write that happens to fit.
    public func availableBytes() -> Int64? {
        var info = statvfs()
        let directory = (path as NSString).deletingLastPathComponent
        guard statvfs(directory.isEmpty ? "." : directory, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Room the stages want before they resume after a full disk.
    public static let resumeAfterBytes: Int64 = 8 << 20

    /// At least ``resumeAfterBytes`` free on the database's file system.
    public func hasRoomToResume() -> Bool { (availableBytes() ?? .max) >= Self.resumeAfterBytes }
}
