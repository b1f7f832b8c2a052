import Foundation
import RelaisConfig
import RelaisTesting

/// The policy and carrier loaders, over the shipped panel: an input loads or is refused with
/// diagnostics, never both and never neither.
final class ConfigTargets: Sendable {
    static let shared = ConfigTargets()

    let panel: LoadedPanel
    /// A copy of one shipped carrier's folder whose carrier.toml or rates the input replaces.
    let scratch: URL
    let carrierFolder: URL
    let rateFiles: [String]

    private init() {
        let carriers = Repository.root.appendingPathComponent("carriers")
        do {
            panel = try PanelLoader.load(directory: carriers.path)
        } catch {
            FuzzTarget.violated("the shipped panel does not load: \(error)")
        }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("relais-fuzz-carriers-\(getpid())")
        carrierFolder = scratch.appendingPathComponent("colissimo")
        try? FileManager.default.removeItem(at: scratch)
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: carriers.appendingPathComponent("colissimo"), to: carrierFolder)
            rateFiles = try FileManager.default.contentsOfDirectory(atPath: carrierFolder.appendingPathComponent("rates").path).sorted()
        } catch {
            FuzzTarget.violated("cannot prepare \(scratch.path): \(error)")
        }
        atexit { try? FileManager.default.removeItem(at: ConfigTargets.shared.scratch) }
    }

    func policy(_ input: Data) {
        do {
            _ = try PolicyLoader.load(text: String(decoding: input, as: UTF8.self), file: "fuzz.toml", panel: panel.panel)
        } catch {
            if error.diagnostics.isEmpty { FuzzTarget.violated("a policy refused without a diagnostic") }
        }
    }

    func carrier(_ input: Data) {
        guard let selector = input.first else { return }
        let body = input.dropFirst()
        let original: URL
        if selector % 2 == 0 || rateFiles.isEmpty {
            original = carrierFolder.appendingPathComponent("carrier.toml")
        } else {
            original = carrierFolder.appendingPathComponent("rates").appendingPathComponent(rateFiles[Int(selector / 2) % rateFiles.count])
        }
        guard let saved = FileManager.default.contents(atPath: original.path) else {
            FuzzTarget.violated("\(original.path) vanished")
        }
        defer { try? saved.write(to: original) }
        do {
            try body.write(to: original)
        } catch {
            FuzzTarget.violated("cannot write \(original.path): \(error)")
        }
        do {
            _ = try PanelLoader.load(directory: scratch.path)
        } catch {
            if error.diagnostics.isEmpty { FuzzTarget.violated("a carrier refused without a diagnostic") }
        }
    }
}
