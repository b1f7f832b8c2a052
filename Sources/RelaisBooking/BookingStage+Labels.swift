import CRelaisSystem
import Foundation
import RelaisStore

#if canImport(Glibc)
import Glibc
#endif

/// A commit group's labels: written, flushed once, then named by the commit.
extension BookingStage {
    /// Writes a commit group's labels, then flushes them (``syncLabels()``): each label's
    /// path, or why it could not be written. A flush that fails throws: the group is not
    /// committed.
    func writeLabels(_ labels: [BookingLoop.PendingLabel]) throws -> [String: Result<String, LabelWriteError>] {
        var written: [String: Result<String, LabelWriteError>] = [:]
        for label in labels {
            do throws(LabelWriteError) {
                written[label.shipment] = .success(try writeLabel(label.bytes, shipment: label.shipment, format: label.format))
            } catch {
                written[label.shipment] = .failure(error)
            }
        }
        try syncLabels()
        return written
    }

    /// The group's outcomes with each booked shipment's label file named, or, when it could
    /// not be written, the reason in the outcome's detail (the booking stands without it).
    static func naming(_ outcomes: [BookingOutcome], labels: [String: Result<String, LabelWriteError>]) -> [BookingOutcome] {
        outcomes.map { outcome in
            guard case .booked(let trackingNumber, let price, nil) = outcome.result, let label = labels[outcome.shipment] else {
                return outcome
            }
            var named = outcome
            switch label {
            case .success(let path): named.result = .booked(trackingNumber: trackingNumber, carrierPrice: price, labelPath: path)
            case .failure(let error): named.detail += "; no label: label not written: \(error)"
            }
            return named
        }
    }

    /// Writes `<labels>/<id>.<format>`, named only once it is whole: a reader never sees half
    /// a label, and a crash leaves no file half written under a label's name.
    ///
    /// An unnamed file (`O_TMPFILE`) given its name when written: one directory entry per
    /// label. The file used to be written under a temporary name and renamed, and the
    /// rename (two entries written, one removed, in a directory of thousands) was 4 % of
    /// relaisd's CPU while booking. By rename where the file system has no unnamed files,
    /// where `/proc` is not mounted, and to replace a label written before (a shipment booked
    /// again after an uncertain outcome).
    ///
    /// Not flushed here: ``syncLabels()`` flushes the file system once per commit group,
    /// before the commit names the file. (Foundation's `Data.write` fsyncs every file, which
    /// cost more than the rest of the booking.)
    func writeLabel(_ bytes: [UInt8], shipment: String, format: String) throws(LabelWriteError) -> String {
        let path = (labelsDirectory as NSString).appendingPathComponent("\(shipment).\(format)")
        if unnamedLabels.load(ordering: .relaxed) {
            let fd = relais_open_unnamed((path as NSString).deletingLastPathComponent)
            guard fd >= 0 else {
                let code = errno
                guard [EOPNOTSUPP, EISDIR, EINVAL].contains(code) else { throw LabelWriteError(path: path, step: "create", code: code) }
                unnamedLabels.store(false, ordering: .relaxed)  // no unnamed files on this file system
                return try writeLabelByRename(bytes, path: path)
            }
            if let code = Self.write(bytes, to: fd) {
                close(fd)
                throw LabelWriteError(path: path, step: "write", code: code)
            }
            let linked = relais_link_unnamed(fd, path) == 0
            let code = errno
            guard close(fd) == 0 || !linked else {
                let closing = errno
                unlink(path)
                throw LabelWriteError(path: path, step: "write", code: closing)
            }
            if linked { return path }
            switch code {
            case EEXIST: break  // replaced below, by rename
            case ENOENT where access("/proc/self/fd", F_OK) != 0, EPERM, EACCES:
                unnamedLabels.store(false, ordering: .relaxed)  // no /proc to name it through
            default: throw LabelWriteError(path: path, step: "link", code: code)
            }
        }
        return try writeLabelByRename(bytes, path: path)
    }

    /// Writes `path` under a temporary name in the same directory, then renames it.
    private func writeLabelByRename(_ bytes: [UInt8], path: String) throws(LabelWriteError) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).tmp")
        func failed(_ step: String, _ code: Int32) -> LabelWriteError {
            unlink(temporary)
            return LabelWriteError(path: path, step: step, code: code)
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LabelWriteError(path: temporary, step: "create", code: errno) }
        if let code = Self.write(bytes, to: fd) {
            close(fd)
            throw failed("write", code)
        }
        guard close(fd) == 0 else { throw failed("write", errno) }
        guard rename(temporary, path) == 0 else { throw failed("rename", errno) }
        return path
    }

    /// Writes every byte to `fd`; nil, or the system's reason.
    private static func write(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count < 0 ? errno : EIO }
            written += count
        }
        return nil
    }

    /// Flushes every file of the labels' file system: one call per commit group instead of
    /// an fsync per label.
    func syncLabels() throws {
        let fd = open(labelsDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        guard relais_syncfs(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
