import Foundation
import RelaisCore
import RelaisOrders
import RelaisStore

#if canImport(Glibc)
    import Glibc
#endif

/// The spool, Maildir style (SPEC §3): the OMS writes into `tmp/` and renames into `new/`;
/// Relais records the orders, then moves the file to `done/`, or to `rejected/` with
/// `<name>.error.json` beside it.
///
/// Rules, and why:
/// 1. **First come, first kept.** Files are taken in the order they arrived in `new/` (the
///    inode's change time, which the OMS's rename sets; then the name), within a pass and
///    across passes: when two files carry one order id with different content, the first
///    to arrive stays and the later one is the conflict (SPEC §3).
/// 2. **One file never stalls intake.** A file that cannot be moved to `done/` or
///    `rejected/`, or whose `<name>.error.json` cannot be written (a name too long, a
///    missing or full folder), is set aside in `quarantine/` under a short generated name,
///    with `<that name>.error.json` saying why when it can be written; the pass goes on.
///
/// - Important: Nothing is acknowledged before it is on disk. A file moves to `done/` only
///   after its orders are committed (synchronous=FULL). A crash between the commit and the
///   move leaves the file in `new/`; the next pass finds its orders already recorded with
///   the same content (duplicates, a no-op) and moves it then. No order is lost or doubled.
public struct SpoolIntake: Sendable {
    public let root: String
    public let store: any OrderLedger
    public let decoder: OrderDecoder
    /// Files per transaction: one fsync covers them all.
    public let batchFiles: Int

    public init(root: String, store: any OrderLedger, decoder: OrderDecoder, batchFiles: Int = 256) {
        self.root = root
        self.store = store
        self.decoder = decoder
        self.batchFiles = batchFiles
    }

    public static let folders = ["tmp", "new", "done", "rejected", "quarantine"]

    func folder(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }

    /// Creates the spool folders that are missing.
    public func prepareDirectories() throws {
        for name in Self.folders {
            try FileManager.default.createDirectory(atPath: folder(name), withIntermediateDirectories: true)
        }
    }

    /// What one pass did.
    public struct Report: Hashable, Sendable {
        public var files = 0
        public var accepted = 0
        public var duplicates = 0
        public var conflicts = 0
        public var rejectedOrders = 0
        public var rejectedFiles = 0
        /// Files set aside in `quarantine/` (rule 2), or left in `new/` when even that failed.
        public var quarantined: [Quarantine] = []
    }

    /// A file that could not be moved or explained, and where it went.
    public struct Quarantine: Hashable, Sendable {
        /// Its name in `new/`.
        public var file: String
        /// Its name in `quarantine/`; nil when it could not be moved there either (it stays
        /// in `new/` and is tried again at the next pass, without holding up the others).
        public var storedAs: String?
        public var reason: String
    }

    /// Processes up to ``batchFiles`` files of `new/`, first arrived first (rule 1).
    /// - Parameter now: milliseconds since the Unix epoch.
    public func runOnce(now: Int64) async throws -> Report {
        var report = Report()
        let names = try arrivals().prefix(batchFiles)
        guard !names.isEmpty else { return report }

        var pending: [(name: String, batch: OrderDecoder.Batch)] = []
        for name in names {
            let path = (folder("new") as NSString).appendingPathComponent(name)
            switch try readRegularFile(path) {
            case .failure(let error):
                let problem = FieldProblem(field: "", reason: error.message)
                settle(name, rejections: [OrderRejection(position: 0, orderID: nil, problems: [problem])], now: now, report: &report)
                report.files += 1
                report.rejectedFiles += 1
            case .success(let data):
                pending.append((name, decoder.decode(data)))
            }
        }

        let incoming = pending.flatMap { file in file.batch.orders.map { IncomingOrder(order: $0.order, canonicalJSON: $0.canonicalJSON) } }
        let outcomes = incoming.isEmpty ? [] : try await store.accept(incoming, source: "spool", now: now)

        var index = 0
        for file in pending {
            report.files += 1
            var accepted: [String] = []
            var duplicates: [String] = []
            var rejections = file.batch.rejections
            for decoded in file.batch.orders {
                switch outcomes[index] {
                case .accepted: accepted.append(decoded.order.id)
                case .duplicate: duplicates.append(decoded.order.id)
                case .conflict:
                    rejections.append(
                        OrderRejection(
                            position: decoded.position, orderID: decoded.order.id,
                            problems: [FieldProblem(field: "id", reason: "order \(decoded.order.id) was already accepted with different content; the first version stays")]))
                    report.conflicts += 1
                }
                index += 1
            }
            report.accepted += accepted.count
            report.duplicates += duplicates.count
            report.rejectedOrders += rejections.count
            if !rejections.isEmpty { report.rejectedFiles += 1 }
            settle(file.name, accepted: accepted, duplicates: duplicates, rejections: rejections, now: now, report: &report)
        }
        return report
    }

    /// The names of `new/` in arrival order (rule 1). Hidden names are the OMS's own.
    func arrivals() throws -> [String] { try arrivalEntries().sorted().map(\.name) }

    func arrivalEntries() throws -> [SpoolArrival] {
        let new = folder("new")
        let entries = try FileManager.default.contentsOfDirectory(atPath: new).compactMap { name -> SpoolArrival? in
            guard !name.hasPrefix(".") else { return nil }
            var info = stat()
            // Gone since the listing (another reader, the OMS): nothing to take.
            guard lstat((new as NSString).appendingPathComponent(name), &info) == 0 else { return nil }
            return SpoolArrival(name: name, seconds: Int64(info.st_ctim.tv_sec), nanoseconds: Int64(info.st_ctim.tv_nsec))
        }
        return entries
    }

    /// Moves a file out of `new/`: to `done/` when nothing was rejected, else to `rejected/`
    /// with its `.error.json`; and when that fails, to `quarantine/` (rule 2). Never throws:
    /// the file's orders are already committed or refused, and the next files must go on.
    private func settle(
        _ name: String, accepted: [String] = [], duplicates: [String] = [], rejections: [OrderRejection], now: Int64,
        report: inout Report
    ) {
        let failure: String
        do {
            if rejections.isEmpty {
                try move(name, to: "done")
            } else {
                try reject(name, accepted: accepted, duplicates: duplicates, rejections: rejections, now: now)
            }
            return
        } catch {
            failure = "\(error)"
        }
        let note = RejectionReport(
            file: name, rejectedAt: Self.iso(now), accepted: accepted, duplicates: duplicates, rejected: rejections,
            quarantineReason: failure)
        report.quarantined.append(Quarantine(file: name, storedAs: quarantine(name, note: note, now: now), reason: failure))
    }

    /// Moves `new/<name>` to `quarantine/q<now>-<n>` and writes what is known beside it.
    /// Returns the generated name, or nil when the file could not be moved.
    private func quarantine(_ name: String, note: RejectionReport, now: Int64) -> String? {
        let destination = folder("quarantine")
        try? FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        var counter = 0
        var generated = "q\(now)"
        while FileManager.default.fileExists(atPath: (destination as NSString).appendingPathComponent(generated)) {
            counter += 1
            generated = "q\(now)-\(counter)"
        }
        let from = (folder("new") as NSString).appendingPathComponent(name)
        guard rename(from, (destination as NSString).appendingPathComponent(generated)) == 0 else { return nil }
        // The explanation is a courtesy: the move is what unblocks intake.
        try? Self.encoder.encode(note).write(
            to: URL(fileURLWithPath: (destination as NSString).appendingPathComponent(generated + ".error.json")), options: .atomic)
        syncDirectory(destination)
        syncDirectory(folder("new"))
        return generated
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static func iso(_ now: Int64) -> String { Date(timeIntervalSince1970: Double(now) / 1000).ISO8601Format() }

    /// Reads a file of `new/` without following links or blocking on a FIFO, within the size limit.
    private func readRegularFile(_ path: String) throws -> Result<Data, SpoolError> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .failure(SpoolError(message: "cannot stat: \(String(cString: strerror(errno)))")) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(SpoolError(message: "not a regular file: only files renamed from tmp/ are read")) }
        guard Int(info.st_size) <= decoder.maxBytes else {
            return .failure(SpoolError(message: "the file is \(info.st_size) bytes, over the \(decoder.maxBytes)-byte limit (intake.max_file_bytes)"))
        }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            // Out of descriptors or memory: the daemon's condition, not the file's. The pass
            // fails and is retried; the file is not rejected for it.
            if code == EMFILE || code == ENFILE || code == ENOMEM {
                throw SpoolError(message: "cannot open \(path): \(String(cString: strerror(code)))")
            }
            return .failure(SpoolError(message: "cannot open: \(String(cString: strerror(code)))"))
        }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(SpoolError(message: "cannot read: \(String(cString: strerror(errno)))"))
            }
            if count == 0 { break }
            data.append(buffer, count: count)
            if data.count > decoder.maxBytes { return .failure(SpoolError(message: "the file grew past the \(decoder.maxBytes)-byte limit while being read")) }
        }
        return .success(data)
    }

    /// Writes `rejected/<name>.error.json` (atomically), then moves the file beside it.
    private func reject(_ name: String, accepted: [String], duplicates: [String], rejections: [OrderRejection], now: Int64) throws {
        let target = uniqueName(name, in: "rejected")
        let report = RejectionReport(
            file: name, rejectedAt: Self.iso(now), accepted: accepted, duplicates: duplicates, rejected: rejections)
        let errorPath = (folder("rejected") as NSString).appendingPathComponent(target + ".error.json")
        // NAME_MAX is 255 bytes on Linux file systems; Foundation's own error for it only says
        // "the file name is invalid".
        guard (target + ".error.json").utf8.count <= 255 else {
            throw SpoolError(message: "the name is too long to write rejected/<name>.error.json beside it (255 bytes at most)")
        }
        do {
            try Self.encoder.encode(report).write(to: URL(fileURLWithPath: errorPath), options: .atomic)
        } catch {
            throw SpoolError(message: "cannot write rejected/\(target).error.json: \(Self.reason(error))")
        }
        try move(name, to: "rejected", as: target)
    }

    private func move(_ name: String, to destination: String, as target: String? = nil) throws {
        let from = (folder("new") as NSString).appendingPathComponent(name)
        let to = (folder(destination) as NSString).appendingPathComponent(target ?? uniqueName(name, in: destination))
        guard rename(from, to) == 0 else {
            throw SpoolError(message: "cannot move \(name) to \(destination)/: \(String(cString: strerror(errno)))")
        }
        syncDirectory(folder(destination))
        syncDirectory(folder("new"))
    }

    /// The system's reason alone, not Foundation's sentence that repeats the path.
    static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(underlying.code))) }
        return (error as NSError).localizedDescription
    }

    /// `name`, or `name.1`, `name.2`… when a file of that name is already there.
    private func uniqueName(_ name: String, in destination: String) -> String {
        var candidate = name
        var counter = 0
        while FileManager.default.fileExists(atPath: (folder(destination) as NSString).appendingPathComponent(candidate))
            || FileManager.default.fileExists(atPath: (folder(destination) as NSString).appendingPathComponent(candidate + ".error.json"))
        {
            counter += 1
            candidate = "\(name).\(counter)"
        }
        return candidate
    }

    /// Makes a rename durable: fsync on the directory.
    private func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// `<name>.error.json`: what became of each order of a rejected file.
public struct RejectionReport: Codable, Hashable, Sendable {
    public var file: String
    public var rejectedAt: String
    /// Orders of the file that were recorded.
    public var accepted: [String]
    /// Orders already recorded with the same content.
    public var duplicates: [String]
    public var rejected: [OrderRejection]
    /// Why the file is in `quarantine/` rather than `rejected/` or `done/`.
    public var quarantineReason: String?

    public init(
        file: String, rejectedAt: String, accepted: [String], duplicates: [String], rejected: [OrderRejection],
        quarantineReason: String? = nil
    ) {
        self.file = file
        self.rejectedAt = rejectedAt
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejected = rejected
        self.quarantineReason = quarantineReason
    }

    enum CodingKeys: String, CodingKey {
        case file, rejectedAt = "rejected_at", accepted, duplicates, rejected, quarantineReason = "quarantine_reason"
    }
}

/// A file of `new/` and when it arrived there: ordered by arrival, then name.
struct SpoolArrival: Comparable, Sendable {
    var name: String
    /// The inode's change time (`st_ctim`), which rename(2) sets.
    var seconds: Int64
    var nanoseconds: Int64

    static func < (lhs: SpoolArrival, rhs: SpoolArrival) -> Bool {
        (lhs.seconds, lhs.nanoseconds, lhs.name) < (rhs.seconds, rhs.nanoseconds, rhs.name)
    }
}

public struct SpoolError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
