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

    public static let folders = ["tmp", "new", "done", "rejected"]

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
    }

    /// Processes up to ``batchFiles`` files of `new/`, oldest name first.
    /// - Parameter now: milliseconds since the Unix epoch.
    public func runOnce(now: Int64) async throws -> Report {
        var report = Report()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder("new"))
            .filter { !$0.hasPrefix(".") }
            .sorted()
            .prefix(batchFiles)
        guard !names.isEmpty else { return report }

        var pending: [(name: String, batch: OrderDecoder.Batch)] = []
        for name in names {
            let path = (folder("new") as NSString).appendingPathComponent(name)
            switch readRegularFile(path) {
            case .failure(let error):
                let problem = FieldProblem(field: "", reason: error.message)
                try reject(name, accepted: [], duplicates: [], rejections: [OrderRejection(position: 0, orderID: nil, problems: [problem])], now: now)
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
            if rejections.isEmpty {
                try move(file.name, to: "done")
            } else {
                try reject(file.name, accepted: accepted, duplicates: duplicates, rejections: rejections, now: now)
                report.rejectedFiles += 1
            }
        }
        return report
    }

    /// Reads a file of `new/` without following links or blocking on a FIFO, within the size limit.
    private func readRegularFile(_ path: String) -> Result<Data, SpoolError> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .failure(SpoolError(message: "cannot stat: \(String(cString: strerror(errno)))")) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(SpoolError(message: "not a regular file: only files renamed from tmp/ are read")) }
        guard Int(info.st_size) <= decoder.maxBytes else {
            return .failure(SpoolError(message: "the file is \(info.st_size) bytes, over the \(decoder.maxBytes)-byte limit (intake.max_file_bytes)"))
        }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(SpoolError(message: "cannot open: \(String(cString: strerror(errno)))")) }
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
            file: name, rejectedAt: Date(timeIntervalSince1970: Double(now) / 1000).ISO8601Format(),
            accepted: accepted, duplicates: duplicates, rejected: rejections)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let errorPath = (folder("rejected") as NSString).appendingPathComponent(target + ".error.json")
        try encoder.encode(report).write(to: URL(fileURLWithPath: errorPath), options: .atomic)
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

    enum CodingKeys: String, CodingKey {
        case file, rejectedAt = "rejected_at", accepted, duplicates, rejected
    }
}

public struct SpoolError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
