import Foundation
import RelaisBooking
import RelaisCommands
import RelaisConfig

extension Relaisd {
    /// `--check-config`: relaisctl check's validation, then every carrier's credentials
    /// read by the code the start uses (``CarrierAdapters/credentials(panel:settings:environment:)``),
    /// so that a file the start would refuse fails the check too. Run it as the daemon's
    /// user, with `$CREDENTIALS_DIRECTORY` as the unit sets it, to see what relaisd sees.
    static func checkConfig(configFile: String) -> CommandOutput {
        var output = CheckCommand.run(configFile: configFile, carriers: nil, policies: nil)
        guard output.status == .success, let loaded = try? ConfigurationSet.load(configFile: configFile) else { return output }
        let problems = CarrierAdapters.credentials(panel: loaded.panel, settings: loaded.config.booking).problems
        guard !problems.isEmpty else { return output }
        for (carrier, reason) in problems.sorted(by: { $0.key < $1.key }) {
            output.stderr += "carrier \(carrier): \(reason) (relaisd would start with \(carrier) unavailable)\n"
        }
        output.stderr += "check failed: \(problems.count) carrier\(problems.count == 1 ? "" : "s") without readable credentials\n"
        output.stdout = ""
        output.status = .invalid
        return output
    }
}
