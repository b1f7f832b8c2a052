import Foundation
import NIOPosix
import RelaisRecords
import RelaisStore

#if canImport(Glibc)
import Glibc
#endif

/// Events as files for an OMS that reads a directory (SPEC §12): each written to
/// `<spool>/out/.tmp/<id>.json`, fsync'd, renamed into `<spool>/out/<id>.json` and the
/// directory fsync'd, so the file is whole and durable before the event counts as
/// delivered. The OMS deletes what it has read; a re-sent event replaces its file.
public struct SpoolOutbox: OutboxTransport {
    public let directory: String
    var temporary: String { (directory as NSString).appendingPathComponent(".tmp") }

    /// - Parameter spool: the spool root (`paths.spool`); files go to its `out/`.
    public init(spool: String) {
        self.directory = (spool as NSString).appendingPathComponent("out")
    }

    /// Creates `out/` and `out/.tmp/`.
    public func prepare() throws {
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    }

    /// Blocking writes and fsyncs run on NIO's thread pool, never on Swift's cooperative
    /// threads (two on this machine's two cores, shared with booking).
    public func deliver(_ delivery: OutboxDelivery, now: Int64) async -> DeliverySchedule.Outcome {
        do {
            return try await NIOThreadPool.singleton.runIfActive { self.deliverBlocking(delivery) }
        } catch {
            return .failed("\(directory): \(error)")
        }
    }

    func deliverBlocking(_ delivery: OutboxDelivery) -> DeliverySchedule.Outcome {
        let name = "\(delivery.eventID).json"
        let staged = (temporary as NSString).appendingPathComponent(name)
        let final = (directory as NSString).appendingPathComponent(name)
        if let problem = Self.writeDurably(delivery.body, to: staged) { return .failed("\(staged): \(problem)") }
        guard rename(staged, final) == 0 else { return .failed("\(final): rename: \(String(cString: strerror(errno)))") }
        if let problem = Self.syncDirectory(directory) { return .failed("\(directory): \(problem)") }
        return .delivered
    }

    /// The system's reason when it fails.
    static func writeDurably(_ bytes: [UInt8], to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return "open: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return "write: \(String(cString: strerror(errno)))"
            }
            offset += written
        }
        guard fsync(fd) == 0 else { return "fsync: \(String(cString: strerror(errno)))" }
        return nil
    }

    static func syncDirectory(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return "open: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        return fsync(fd) == 0 ? nil : "fsync: \(String(cString: strerror(errno)))"
    }
}
