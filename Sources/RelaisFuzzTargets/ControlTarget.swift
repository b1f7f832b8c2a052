import Foundation
import Logging
import Prometheus
import RelaisConfig
import RelaisControl
import RelaisRecords
import RelaisTesting
import ServiceLifecycle

/// The control API over its real Unix socket, served by this process on a fresh store: every
/// request is answered within 10 seconds, and every error in the API's `{"error", "reason"}`
/// shape (SPEC §10).
///
/// The input's first line is `METHOD /path?query` and the rest the body; bytes a request line
/// cannot carry are percent-encoded, so the server's decoding is what gets explored.
final class ControlTarget: Sendable {
    static let shared = ControlTarget()

    let root: URL
    let socketPath: String
    private let connection = Connection()

    private init() {
        // On tmpfs where there is one: the store's fsyncs would otherwise set the pace.
        let scratch = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        root = scratch.appendingPathComponent("relais-fuzz-control-\(getpid())")
        socketPath = root.appendingPathComponent("relais.sock").path
        let state: DaemonState
        do {
            try? FileManager.default.removeItem(at: root)
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Repository.root.appendingPathComponent("policies"), to: root.appendingPathComponent("policies"))
            let configFile = root.appendingPathComponent("relais.toml").path
            let text = Repository.rigConfiguration(root: root)
            try Data(text.utf8).write(to: URL(fileURLWithPath: configFile))
            let configuration = try ConfigurationSet.load(configFile: configFile)
            let store = try RecordStore(path: root.appendingPathComponent("state/relais.sqlite").path)
            state = DaemonState(
                store: store, configuration: configuration, version: "fuzz",
                permission: WritePermission(operatorGroup: "relais-fuzz-operators"),
                metrics: ControlMetrics(registry: PrometheusCollectorRegistry()),
                clock: { Int64(Date().timeIntervalSince1970 * 1000) },
                carriers: { DaemonState.CarrierView() },
                reload: { state, _ in
                    do {
                        state.install(try ConfigurationSet.load(configFile: configFile))
                        return .init(applied: true)
                    } catch {
                        return .init(applied: false, problems: ["\(error)"])
                    }
                })
        } catch {
            FuzzTarget.violated("cannot set up the control server in \(root.path): \(error)")
        }
        var logger = Logger(label: "relais.fuzz")
        logger.logLevel = .critical
        let ready = DispatchSemaphore(value: 0)
        let server = ControlServer(socketPath: socketPath, state: state, logger: logger) { ready.signal() }
        let group = ServiceGroup(services: [server], logger: logger)
        Task.detached { try? await group.run() }
        // This is libFuzzer's thread, not one of the cooperative pool: waiting here is safe.
        guard ready.wait(timeout: .now() + 30) == .success else { FuzzTarget.violated("the control server did not start") }
        atexit { try? FileManager.default.removeItem(at: ControlTarget.shared.root) }
    }

    func run(_ input: Data) {
        let request = Self.request(from: input)
        guard let reply = connection.exchange(request.bytes, socketPath: socketPath, head: request.method == "HEAD") else {
            FuzzTarget.violated("no answer within 10 s to \(request.line)")
        }
        if reply.status >= 400, request.method != "HEAD", !reply.body.contains("\"error\"") {
            FuzzTarget.violated("\(request.line): HTTP \(reply.status) without the API's error shape: \(reply.body.prefix(200))")
        }
    }

    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    /// An HTTP/1.1 request made from the input.
    static func request(from input: Data) -> (method: String, line: String, bytes: [UInt8]) {
        let bytes = [UInt8](input)
        let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        let first = bytes[..<newline]
        let body = newline < bytes.endIndex ? Array(bytes[(newline + 1)...]) : []
        let space = first.firstIndex(of: UInt8(ascii: " ")) ?? first.endIndex
        let word = String(decoding: first[..<space], as: UTF8.self)
        // Methods HTTP knows: a request line SwiftNIO's parser refuses (`PPOST`) is answered by
        // NIO's own 400, without a body, before the API sees it (FUZZING.md).
        let method = Self.methods.contains(word) ? word : "GET"
        var target = space < first.endIndex ? Array(first[(space + 1)...]) : Array(first)
        if target.first != UInt8(ascii: "/") { target.insert(UInt8(ascii: "/"), at: 0) }
        var encoded = ""
        for byte in target {
            if (0x21...0x7E).contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        let line = "\(method) \(encoded)"
        var head = "\(line) HTTP/1.1\r\nHost: localhost\r\n"
        if !body.isEmpty || method == "POST" || method == "PUT" {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return (method, line, Array(head.utf8) + body)
    }
}

/// One kept-alive connection to the control socket, used from libFuzzer's thread only.
/// Safety of `@unchecked Sendable`: libFuzzer runs one input at a time, on one thread.
private final class Connection: @unchecked Sendable {
    private var fd: Int32 = -1

    struct Reply {
        var status: Int
        var body: String
    }

    /// Sends `request` and reads the whole reply; nil when none comes within 10 seconds.
    /// - Parameter head: a HEAD request, whose reply has no body whatever its length says.
    func exchange(_ request: [UInt8], socketPath: String, head: Bool) -> Reply? {
        for _ in 0..<2 {
            if fd < 0 { connect(socketPath) }
            guard fd >= 0 else { return nil }
            if send(request), let reply = readReply(head: head) { return reply }
            // The server closed a kept-alive connection (an idle timeout, or it refused the
            // request and hung up): once more on a new one.
            close(fd)
            fd = -1
        }
        return nil
    }

    private func connect(_ path: String) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            fd = -1
            return
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    private func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    private var buffer: [UInt8] = []

    /// Reads one reply: the head, then a body by Content-Length or chunks.
    private func readReply(head isHead: Bool) -> Reply? {
        buffer.removeAll(keepingCapacity: true)
        var headEnd: Int?
        while headEnd == nil {
            guard fill() else { return nil }
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self).lowercased()
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        var body = Array(buffer[(headEnd + 4)...])
        if isHead {
            body = []
        } else if let length = lines.first(where: { $0.hasPrefix("content-length:") }).flatMap({ Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) }) {
            while body.count < length {
                let before = buffer.count
                guard fill() else { return nil }
                body += buffer[before...]
            }
        } else if lines.contains(where: { $0.hasPrefix("transfer-encoding:") && $0.contains("chunked") }) {
            while Self.find(Array("0\r\n\r\n".utf8), in: body) == nil {
                let before = buffer.count
                guard fill() else { return nil }
                body += buffer[before...]
            }
        }
        if lines.contains(where: { $0.hasPrefix("connection:") && $0.contains("close") }) {
            close(fd)
            fd = -1
        }
        return Reply(status: status, body: String(decoding: body, as: UTF8.self))
    }

    /// Appends what the socket has; false on end of stream, an error or the timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[..<count]
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
