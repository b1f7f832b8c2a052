import Foundation

/// `relais-sandbox` run as a child process for the demo: started on a free loopback port,
/// its URL read from the line it prints, stopped with the demo. Asked to exit by itself if
/// relaisd dies without stopping it (`--exit-with-parent`).
final class SandboxProcess: Sendable {
    /// Why the sandbox could not be started, in words for the newcomer.
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    let url: String
    /// "serving chronopost, … at http://127.0.0.1:PORT", as the sandbox said it.
    let banner: String
    let pid: Int32
    private let process: Process

    private init(process: Process, url: String, banner: String) {
        self.process = process
        self.url = url
        self.banner = banner
        self.pid = process.processIdentifier
    }

    /// The `relais-sandbox` executable beside this one (`swift build` puts both in one
    /// folder; so does the package).
    static func executable() -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((own as NSString).deletingLastPathComponent as NSString).appendingPathComponent("relais-sandbox")
    }

    /// - Parameter omsSecrets: a file of `whsec_` secrets the sandbox's OMS verifies webhooks with.
    static func start(carriers: String, omsSecrets: String? = nil, timeout: Duration = .seconds(20)) throws -> SandboxProcess {
        let path = executable()
        if !FileManager.default.isExecutableFile(atPath: path) { buildBesideUs(path) }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw StartError(description: "\(path) not found: build it first (swift build --product relais-sandbox, or swift build)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--carriers", carriers, "--port", "0", "--exit-with-parent"] + (omsSecrets.map { ["--oms-secrets", $0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw StartError(description: "cannot start \(path): \(error)")
        }
        // The first line says where it listens: "relais-sandbox: serving … at http://…".
        var line = [UInt8]()
        let handle = output.fileHandleForReading
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }  // the child ended
            line += chunk
            if line.contains(UInt8(ascii: "\n")) { break }
        }
        let text = String(decoding: line.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard let range = text.range(of: " at http://") else {
            process.terminate()
            throw StartError(description: "relais-sandbox did not start: \(text.isEmpty ? "no output" : text)")
        }
        let url = String(text[text.index(range.lowerBound, offsetBy: 4)...])
        // Whatever it says later goes to our standard output: a pipe nobody reads would fill
        // and stop the sandbox.
        handle.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { FileHandle.standardOutput.write(data) }
        }
        let banner = text.replacingOccurrences(of: "relais-sandbox: ", with: "")
        return SandboxProcess(process: process, url: url, banner: banner)
    }

    /// `swift run relaisd --demo` builds relaisd alone: from the repository, build the
    /// sandbox too, into the same folder, so the newcomer's one command works.
    static func buildBesideUs(_ path: String) {
        guard FileManager.default.fileExists(atPath: "Package.swift") else { return }
        let configuration = path.contains("/release/") ? "release" : "debug"
        FileHandle.standardError.write(Data("relaisd --demo: building relais-sandbox (swift build -c \(configuration) --product relais-sandbox)…\n".utf8))
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "-c", configuration, "--product", "relais-sandbox"]
        do {
            try build.run()
            build.waitUntilExit()
        } catch {
            FileHandle.standardError.write(Data("relaisd --demo: cannot run swift build: \(error)\n".utf8))
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
