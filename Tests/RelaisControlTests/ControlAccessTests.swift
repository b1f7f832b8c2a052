import Foundation
import RelaisStore
import RelaisTesting
import RelaisCommands
import RelaisControl
import Testing

/// Who may write, the socket's life, and what relaisctl says when it cannot get in.
@Suite struct ControlAccessTests {
    @Test func writeRule() {
        let operators: UInt32 = 990
        #expect(WritePermission.allows(uid: 0, groups: [], daemonUID: 995, operatorGID: operators))
        #expect(WritePermission.allows(uid: 995, groups: [], daemonUID: 995, operatorGID: operators))
        #expect(WritePermission.allows(uid: 1000, groups: [100, 990], daemonUID: 995, operatorGID: operators))
        #expect(!WritePermission.allows(uid: 1000, groups: [100], daemonUID: 995, operatorGID: operators))
        // No such group on this machine: only root and the daemon's user.
        #expect(!WritePermission.allows(uid: 1000, groups: [990], daemonUID: 995, operatorGID: nil))
    }

    @Test func aLiveSocketIsRefusedAStaleOneReplaced() async throws {
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { _, _ in
            #expect(throws: ControlServerError.self) { try ControlServer.claimSocket(path: rig.socket) }
        }
        // A socket left by a crash: bound, never unlinked, nobody listening.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in rig.socket.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(bound == 0 && FileManager.default.fileExists(atPath: rig.socket))
        try ControlServer.claimSocket(path: rig.socket)
        #expect(!FileManager.default.fileExists(atPath: rig.socket))

        // Not a socket: never deleted.
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: rig.socket))
        #expect(throws: ControlServerError.self) { try ControlServer.claimSocket(path: rig.socket) }
        #expect(FileManager.default.fileExists(atPath: rig.socket))
    }

    @Test func relaisctlSaysWhenTheDaemonIsNotRunning() async {
        let commands = ControlCommands(client: ControlClient(socketPath: "/nonexistent/relais.sock"), json: false)
        let output = await commands.status()
        #expect(output.status == .cannotRun)
        #expect(output.stderr.contains("relaisd is not running: no socket at /nonexistent/relais.sock"))
    }

    /// A user outside root, the daemon's user and the operator group reads but may not write.
    @Test func anotherUserReadsButGets403OnWrites() async throws {
        guard getuid() == 0 else {
            print("skipped: changing uid to nobody needs root")
            return
        }
        guard let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: FileManager.default.isExecutableFile),
            let curl = ["/usr/bin/curl", "/bin/curl"].first(where: FileManager.default.isExecutableFile)
        else {
            print("skipped: needs setpriv and curl to make a request as nobody")
            return
        }
        let rig = try ControlRig()
        defer { rig.remove() }
        try await rig.serving { _, _ in
            func asNobody(_ method: String, _ path: String) async throws -> (status: String, body: String) {
                let output = try await runChild(setpriv, [
                    "--reuid=65534", "--regid=65534", "--clear-groups", curl, "-s", "-X", method, "-w", "\n%{http_code}",
                    "--unix-socket", rig.socket, "http://localhost\(path)",
                ])
                let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
            }
            let read = try await asNobody("GET", "/v1/status")
            #expect(read.status == "200")
            let write = try await asNobody("POST", "/v1/reload")
            #expect(write.status == "403")
            #expect(write.body.contains(#""error":"forbidden""#))
            #expect(write.body.contains("uid 65534 may read but not write"))
        }
    }
}
