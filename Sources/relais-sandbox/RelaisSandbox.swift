import ArgumentParser
import Foundation
import RelaisConfig

@main
struct RelaisSandbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relais-sandbox",
        abstract: "Loopback stand-ins for the carriers' booking APIs (tests, demo, benchmarks).",
        discussion: """
            This build validates the panel it would serve and lists each carrier's API; serving \
            the HTTP/XML operations arrives with the booking stage.
            """
    )

    @Option(name: .long, help: "The carrier panel directory.")
    var carriers: String = "carriers"

    func run() throws {
        let panel: LoadedPanel
        do {
            panel = try PanelLoader.load(directory: carriers)
        } catch {
            FileHandle.standardError.write(Data("relais-sandbox: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for loaded in panel.carriers {
            let api = loaded.api.map { "\($0.baseURL) (timeout \($0.timeoutSeconds) s, \($0.maxInFlight) in flight)" } ?? "no [api]"
            FileHandle.standardOutput.write(Data("\(loaded.carrier.id): \(api)\n".utf8))
        }
        FileHandle.standardError.write(Data("relais-sandbox: serving is not built yet\n".utf8))
        throw ExitCode(2)
    }
}
