import Foundation
import RelaisCommands
import RelaisControl
import RelaisControlAPI
import Testing

@testable import RelaisControl
@testable import RelaisRecords
import RelaisStore
import RelaisTesting

/// Issue 20: what a hostile or clumsy local user may do to the control socket.
@Suite struct ControlHardeningTests {
    // MARK: Connections (item 1)

    @Test func theConnectionCountKeepsAReserveForOperatorsAndCapsEachUser() {
        var count = ConnectionCount(limits: ConnectionLimits(maxConnections: 6, reserved: 2, perUser: 3))
        let nobody: UInt32 = 65534
        let other: UInt32 = 1000
        var asked = 0
        let unprivileged: () -> Bool = {
            asked += 1
            return false
        }
        #expect((0..<3).map { _ in count.admit(uid: nobody, isPrivileged: unprivileged) } == [.admitted, .admitted, .admitted])
        // Not asked while the answer did not depend on it: no user database lookup per connection.
        #expect(asked == 0)
        #expect(count.admit(uid: nobody, isPrivileged: unprivileged) == .userLimit)
        #expect(count.admit(uid: other, isPrivileged: unprivileged) == .admitted)
        // Four open, two kept: others are refused, operators get in.
        #expect(count.admit(uid: other, isPrivileged: unprivileged) == .reserveOnly)
        #expect(count.admit(uid: 0, isPrivileged: { true }) == .admitted)
        #expect(count.admit(uid: 990, isPrivileged: { true }) == .admitted)
        #expect(count.admit(uid: 0, isPrivileged: { true }) == .full)
        count.release(uid: nobody)
        count.release(uid: nobody)
        count.release(uid: 0)
        #expect(count.total == 3)
        #expect(count.admit(uid: nobody, isPrivileged: unprivileged) == .admitted)
        // A release for a uid that holds nothing changes nothing.
        count.release(uid: 4242)
        #expect(count.total == 4)
    }

    /// 1,100 idle connections froze `/v1/status` for root: now a user's connections past
    /// its limit are closed as they open, and root still gets answers.
    @Test func anotherUsersConnectionsAreCappedAndRootStillGetsIn() async throws {
        guard let tools = AsNobody.tools() else { return }
        let rig = try ControlRig()
        defer { rig.remove() }
        let limits = ConnectionLimits(maxConnections: 8, reserved: 4, perUser: 3)
        try await rig.serving(limits: limits) { _, client in
            let holder = try await AsNobody.holdConnections(tools, socket: rig.socket, count: 50, expectedOpen: 3)
            defer { holder.release() }
            #expect(holder.open == 3)
            // Root (and the operator group) use the reserve: answered while nobody holds its share.
            for _ in 0..<5 { #expect(try await client.get("/v1/status").status == 200) }
            // Nobody's next connection is closed unanswered.
            let refused = try await AsNobody.curl(tools, socket: rig.socket, "GET", "/v1/status")
            #expect(refused.status == "000")
        }
    }

    @Test func anIdleConnectionAndOneThatNeverFinishesItsHeadersAreClosed() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving(limits: ConnectionLimits(idleTimeout: .milliseconds(300))) { _, client in
            let idle = try RawConnection(socket: rig.socket)
            let partial = try RawConnection(socket: rig.socket)
            try partial.send("GET /v1/status HTTP/1.1\r\nHost: localhost\r\n")
            // read() returns 0 once the server closes; SO_RCVTIMEO bounds the wait at 10 s.
            #expect(await offPool { idle.readToEnd() } == .closed)
            #expect(await offPool { partial.readToEnd() } == .closed)
            #expect(try await client.get("/v1/status").status == 200)
        }
    }

    // MARK: Error replies (item 9)

    @Test func everyErrorHasTheAPIShape() async throws {
        guard let tools = AsNobody.tools() else { return }
        let rig = try ControlRig(extraConfig: "[intake]\nmax_file_bytes = 2048\n")
        defer { rig.remove() }
        let large = try rig.write("large.json", String(repeating: " ", count: 4096) + "{}")
        try await rig.serving { _, _ in
            func check(_ method: String, _ path: String, _ status: String, _ error: String, file: String? = nil) async throws {
                let reply = try await AsNobody.curl(tools, socket: rig.socket, method, path, asRoot: true, file: file)
                #expect(reply.status == status, "\(method) \(path)")
                let body = try JSONDecoder().decode(ErrorReply.self, from: Data(reply.body.utf8))
                #expect(body.error == error, "\(method) \(path)")
                #expect(!body.reason.isEmpty)
            }
            try await check("GET", "/v1/nothing", "404", "not-found")
            try await check("POST", "/v1/nothing/else", "404", "not-found")
            try await check("DELETE", "/v1/status", "405", "method-not-allowed")
            try await check("PUT", "/v1/orders", "405", "method-not-allowed")
            try await check("POST", "/v1/orders", "413", "too-large", file: large)

            let allow = try await AsNobody.curl(tools, socket: rig.socket, "DELETE", "/v1/shipments/S-1", asRoot: true, headers: true)
            #expect(allow.body.lowercased().contains("allow: get, head\r\n"))
            let headOK = try await AsNobody.curl(tools, socket: rig.socket, "HEAD", "/v1/status", asRoot: true, headers: true)
            #expect(headOK.status == "200")
            #expect(headOK.body.lowercased().contains("content-type: application/json"))
            let headMissing = try await AsNobody.curl(tools, socket: rig.socket, "HEAD", "/v1/shipments/S-404", asRoot: true, headers: true)
            #expect(headMissing.status == "404")
            #expect(headMissing.body.lowercased().contains("content-type: application/json"))
        }
    }

    /// Issue 20, item 4 (the control API's part): a full state disk is 503 with
    /// `Retry-After` and the API's body, not an empty 500; reads still answer.
    @Test func aFullDiskIs503WithRetryAfterAndReadsStillAnswer() async throws {
        guard let tools = AsNobody.tools() else { return }
        let rig = try ControlRig()
        defer { rig.remove() }
        // SQLite's own limit stands in for a full disk: the next page it needs is refused
        // with SQLITE_FULL, as on a full file system.
        try await rig.store.pool.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
        }
        let orders = (0..<200).map { ControlRig.order(id: "FULL-\($0)").replacing("\n", with: " ") }.joined(separator: "\n")
        let file = try rig.write("many.ndjson", orders)
        try await rig.serving { _, client in
            let reply = try await AsNobody.curl(tools, socket: rig.socket, "POST", "/v1/orders", asRoot: true, file: file, headers: true)
            #expect(reply.status == "503")
            #expect(reply.body.lowercased().contains("retry-after: 30\r\n"))
            #expect(reply.body.contains(#""error":"storage-full""#))
            #expect(try await client.get("/v1/status").status == 200)
        }
        #expect(try await rig.store.orderCount() == 0)
    }

    @Test func pathParametersArePercentDecoded() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let file = try rig.write("one.json", ControlRig.order(id: "SO:7.a_b"))
        try await rig.serving { commands, client in
            #expect(await commands.submit(files: [file]).status == .success)
            #expect(try await client.get("/v1/orders/SO%3A7%2Ea_b").decode(OrderReply.self).id == "SO:7.a_b")
            #expect(try await client.get("/v1/orders/SO:7.a_b").status == 200)
            // Sent as is (an HTTP client would escape the '%' again).
            let raw = try RawConnection(socket: rig.socket)
            try raw.send("GET /v1/orders/%E9-1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let reply = await offPool { raw.readAll() }
            #expect(reply.hasPrefix("HTTP/1.1 400"))
            #expect(reply.contains(#""error":"bad-request""#))
        }
    }

    @Test func percentDecodingIsStrict() {
        #expect(ControlRouter.percentDecoded("SO%3A7%2Ea_b") == "SO:7.a_b")
        #expect(ControlRouter.percentDecoded("%C3%A9-1") == "é-1")
        #expect(ControlRouter.percentDecoded("%E9-1") == nil)
        #expect(ControlRouter.percentDecoded("A%2") == nil)
        #expect(ControlRouter.percentDecoded("A%zz") == nil)
    }

    @Test func refusedWritesAreAuditedWithThePeersUID() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        let file = try rig.write("one.json", ControlRig.order(id: "AUD-1"))
        try await rig.serving { commands, client in
            #expect(await commands.submit(files: [file]).status == .success)
            let id = try #require(try await rig.aggregate().first)
            #expect(await commands.act("hold", id: id).status == .success)
            #expect(try await client.post("/v1/shipments/\(id)/retry").status == 409)
            let refused = try await rig.store.events(shipment: id).filter { $0.kind.name == "api.refused" }
            #expect(refused.count == 1)
            #expect(refused.first?.uid == Int64(getuid()))
            #expect(refused.first?.detail.contains("POST /v1/shipments/\(id)/retry refused (409)") == true)
        }
        if let tools = AsNobody.tools() {
            try await rig.serving { _, _ in
                let write = try await AsNobody.curl(tools, socket: rig.socket, "POST", "/v1/shipments/S-9/hold")
                #expect(write.status == "403")
            }
            let refused = try await rig.store.events(shipment: "S-9").filter { $0.kind.name == "api.refused" }
            #expect(refused.map(\.uid) == [65534])
        }
    }
}

/// setpriv and curl (and python3), to act as the user nobody, as a local stranger would.
enum AsNobody {
    struct Tools: Sendable {
        var setpriv: String
        var curl: String
        var python: String?
    }

    static func tools() -> Tools? {
        guard getuid() == 0 else {
            print("skipped: changing uid to nobody needs root")
            return nil
        }
        guard let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: FileManager.default.isExecutableFile),
            let curl = ["/usr/bin/curl", "/bin/curl"].first(where: FileManager.default.isExecutableFile)
        else {
            print("skipped: needs setpriv and curl")
            return nil
        }
        return Tools(setpriv: setpriv, curl: curl, python: ["/usr/bin/python3"].first(where: FileManager.default.isExecutableFile))
    }

    static func prefix(_ tools: Tools, asRoot: Bool) -> [String] {
        asRoot ? [] : ["--reuid=65534", "--regid=65534", "--clear-groups"]
    }

    /// A request with curl; `headers` puts the response's headers in the body.
    static func curl(
        _ tools: Tools, socket: String, _ method: String, _ path: String, asRoot: Bool = false, file: String? = nil,
        headers: Bool = false
    ) async throws -> (status: String, body: String) {
        try await offPool { try curlBlocking(tools, socket: socket, method, path, asRoot: asRoot, file: file, headers: headers) }
    }

    static func curlBlocking(
        _ tools: Tools, socket: String, _ method: String, _ path: String, asRoot: Bool, file: String?, headers: Bool
    ) throws -> (status: String, body: String) {
        let process = Process()
        var arguments = [tools.curl, "-s", "-w", "\n%{http_code}", "--unix-socket", socket]
        arguments += method == "HEAD" ? ["-I"] : ["-X", method]
        if headers && method != "HEAD" { arguments.append("-i") }
        if let file { arguments += ["--data-binary", "@" + file] }
        arguments.append("http://localhost\(path)")
        if asRoot {
            process.executableURL = URL(fileURLWithPath: tools.curl)
            process.arguments = Array(arguments.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: tools.setpriv)
            process.arguments = prefix(tools, asRoot: false) + arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    /// A process, as nobody, that opens `count` connections and holds those the server
    /// keeps open until ``Holder/release()``.
    /// Safety of `@unchecked Sendable`: created on one thread, then only `release()` is
    /// called, once, by the test.
    final class Holder: @unchecked Sendable {
        let process: Process
        let input: Pipe
        let open: Int

        init(process: Process, input: Pipe, open: Int) {
            self.process = process
            self.input = input
            self.open = open
        }

        /// Closes the holder's input: it closes its connections and exits. Not waited for
        /// (a `defer` of an async test must not block a thread of the cooperative pool).
        func release() {
            try? input.fileHandleForWriting.close()
        }
    }

    static let holdScript = """
        import select, socket, sys, time
        path, count, expected = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        socks = []
        for _ in range(count):
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            socks.append(s)
        closed = set()
        # The server closes refused connections at once; wait for those, then a little more
        # to see that no other one closes.
        deadline = time.time() + 10
        while time.time() < deadline and len(closed) < count - expected:
            ready, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.1)
            for s in ready:
                if s.recv(1) == b"":
                    closed.add(s)
        ready, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.3)
        closed.update(s for s in ready if s.recv(1) == b"")
        print(count - len(closed), flush=True)
        sys.stdin.read()
        """

    static func holdConnections(_ tools: Tools, socket: String, count: Int, expectedOpen: Int) async throws -> Holder {
        try await offPool { try holdConnectionsBlocking(tools, socket: socket, count: count, expectedOpen: expectedOpen) }
    }

    static func holdConnectionsBlocking(_ tools: Tools, socket: String, count: Int, expectedOpen: Int) throws -> Holder {
        guard let python = tools.python else { throw CocoaError(.featureUnsupported) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tools.setpriv)
        process.arguments = prefix(tools, asRoot: false) + [python, "-c", holdScript, socket, "\(count)", "\(expectedOpen)"]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        return Holder(process: process, input: input, open: Int(String(decoding: line, as: UTF8.self)) ?? -1)
    }
}

/// A bare connection to the control socket, to misbehave on.
/// Safety of `@unchecked Sendable`: only a file descriptor, used by one task at a time.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    enum End: Equatable {
        case closed
        case timedOut
        case data
    }

    init(socket path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw POSIXError(.EIO) }
    }

    /// Everything until the server closes (10 s at most).
    func readAll() -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            data += buffer[..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads until the server closes (or sends something, or 10 s pass).
    func readToEnd() -> End {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = read(fd, &buffer, buffer.count)
        if count == 0 { return .closed }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
        return .data
    }
}

/// Found by fuzzing the control API (FUZZING.md): a 422 (orders refused, a quote with a bad
/// order, a refused reload) answered without the `{"error", "reason"}` every error has.
@Suite struct UnprocessableRepliesTests {
    @Test func every422CarriesTheErrorFields() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { _, client in
            let first = try await client.post("/v1/orders", body: Data(ControlRig.order(id: "U-1").utf8))
            #expect(first.status == 200)
            #expect(try first.decode(SubmitReply.self).error == nil)
            // The same id, other content: a conflict; and an order without an id: rejected.
            let body = ControlRig.order(id: "U-1", weight: 3.4).replacingOccurrences(of: "\n", with: " ") + "\n" + #"{"site": "lyon-dc"}"#
            let refused = try await client.post("/v1/orders", body: Data(body.utf8))
            #expect(refused.status == 422)
            let submit = try refused.decode(SubmitReply.self)
            #expect(submit.conflicts == ["U-1"])
            let error = try refused.decode(ErrorReply.self)
            #expect(error.error == "refused")
            #expect(error.reason.contains("id: required") && error.reason.contains("1 conflicting with the recorded version (first: U-1)"), "\(error.reason)")

            let quote = try await client.post("/v1/quote", body: Data(#"{"id": "Q-1"}"#.utf8))
            #expect(quote.status == 422)
            #expect(try quote.decode(ErrorReply.self).error == "refused")

            try Data("[policy]\nname = 'broken\n".utf8).write(to: rig.policies.appendingPathComponent("default.toml"))
            let reload = try await client.post("/v1/reload")
            #expect(reload.status == 422)
            let reloadError = try reload.decode(ErrorReply.self)
            #expect(reloadError.reason.hasPrefix("the previous configuration stays in force: "), "\(reloadError.reason)")
            #expect(reloadError.reason.contains("default.toml:"))
        }
    }
}
