import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import RelaisControlAPI

#if canImport(Glibc)
import Glibc
#endif

/// relaisctl's side of the control socket: HTTP/1.1 over the Unix socket with
/// AsyncHTTPClient (`http+unix://`), a deadline on every call, and plain words when the
/// daemon cannot be reached.
public struct ControlClient: Sendable {
    public let socketPath: String
    public var timeout: TimeAmount = .seconds(30)

    /// `/run/relais/relais.sock` unless `$RELAIS_SOCKET` or `--socket` says otherwise.
    public static let defaultSocket = "/run/relais/relais.sock"

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// `--socket PATH`, else `$RELAIS_SOCKET`, else the default.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> ControlClient {
        ControlClient(socketPath: option ?? environment["RELAIS_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultSocket)
    }

    /// A reply: its HTTP status and body.
    public struct Reply: Sendable {
        public var status: Int
        public var body: Data

        public func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            try JSONDecoder().decode(type, from: body)
        }

        /// The `{"error", "reason"}` of a failed call, or the body as text.
        public var errorReason: String {
            (try? JSONDecoder().decode(ErrorReply.self, from: body)).map(\.reason)
                ?? String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Why the daemon could not be asked.
    public struct Unreachable: Error, Sendable, CustomStringConvertible {
        public var description: String
        /// The socket exists but this user may not reach it.
        public var forbidden: Bool
    }

    public func get(_ path: String) async throws -> Reply { try await call(.GET, path, body: nil) }

    public func post(_ path: String, body: Data? = nil) async throws -> Reply { try await call(.POST, path, body: body) }

    func call(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> Reply {
        try checkReachable()
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw Unreachable(description: "\(socketPath): not a usable socket path", forbidden: false)
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = method
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(data: body))
            }
            let response = try await client.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 256 << 20)
            try await client.shutdown()
            return Reply(status: Int(response.status.code), body: Data(buffer: bytes))
        } catch {
            try? await client.shutdown()
            throw Unreachable(description: "relaisd does not answer on \(socketPath) (\(error))", forbidden: false)
        }
    }

    /// Plain words for the usual reasons a socket cannot be used, before trying it.
    func checkReachable() throws {
        var info = stat()
        if stat(socketPath, &info) != 0 {
            if errno == EACCES {
                throw Unreachable(
                    description: "not permitted to reach \(socketPath): its directory is closed to this user (ask to join the operator group)",
                    forbidden: true)
            }
            throw Unreachable(
                description: "relaisd is not running: no socket at \(socketPath) (start it, or point --socket or $RELAIS_SOCKET at its socket)",
                forbidden: false)
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw Unreachable(description: "\(socketPath) is not a socket", forbidden: false)
        }
        if access(socketPath, W_OK) != 0 {
            throw Unreachable(description: "not permitted to connect to \(socketPath)", forbidden: true)
        }
    }
}
