import Foundation
import RelaisFuzzTargets
import RelaisTesting
import Testing

/// Every input of the fuzzers' corpora (Fuzz/corpus/<target>/: the seeds, and each input that
/// once found a defect) runs through its target on every build: a regression comes back here
/// without a fuzzing run.
@Suite struct CorpusReplayTests {
    static func inputs(_ target: FuzzTarget) throws -> [URL] {
        let folder = Repository.root.appendingPathComponent("Fuzz/corpus/\(target.rawValue)")
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusInputRuns(_ target: FuzzTarget) async throws {
        let inputs = try Self.inputs(target)
        #expect(!inputs.isEmpty, "Fuzz/corpus/\(target.rawValue) has no seed")
        let data = try inputs.map { try Data(contentsOf: $0) }
        // The control target waits for its server from the calling thread: off the pool.
        await offPool { for input in data { target.run(input) } }
    }
}
