import Foundation
import RelaisControlAPI
import RelaisCore

extension ControlCommands {
    /// `relaisctl options CART.json` through `POST /v1/options` (SPEC §15): the delivery
    /// options a shop would show at checkout, per mode; nothing is stored.
    public func options(file: String) async -> CommandOutput {
        let reply: ControlClient.Reply
        switch await post(file: file, to: "/v1/options") {
        case .answered(let answer): reply = answer
        case .failed(let output): return output
        }
        guard reply.status == 200, let result = try? reply.decode(OptionsReply.self) else {
            return CommandOutput(stderr: "\(file): \(reply.errorReason)\n", status: Self.status(for: reply.status))
        }
        var output = CommandOutput(stdout: json ? String(decoding: reply.body, as: UTF8.self) : OptionsTable.render(result))
        for warning in result.warnings { output.stderr += "\(file): warning: \(warning)\n" }
        return output
    }
}

/// The human form of `POST /v1/options`: one row per option, then the modes nothing can
/// carry the cart in, with the reasons.
enum OptionsTable {
    static func render(_ reply: OptionsReply) -> String {
        var text = "policy \(reply.policy.name) (sha256 \(reply.policy.sha256.prefix(12))…)\n"
        if !reply.options.isEmpty {
            var table = TextTable([
                ("mode", .left), ("carrier/service", .left), ("from", .left), ("price", .right), ("delivery", .left),
                ("CO2e g", .right), ("cost", .right), ("tags", .left),
            ])
            for option in reply.options {
                table.add([
                    option.mode, "\(option.carrier)/\(option.service)", option.origin, "\(option.price) \(option.currency)",
                    "\(option.deliveryDate) (\(option.confidence))", String(format1: option.co2eG), option.cost,
                    option.tags.joined(separator: ", "),
                ])
            }
            text += table.render()
        } else {
            text += "no delivery option: nothing in the panel can carry this cart\n"
        }
        if !reply.unavailable.isEmpty {
            text += "\nNot available:\n"
            var table = TextTable([("mode", .left), ("reasons", .left)])
            for mode in reply.unavailable { table.add([mode.mode, mode.detail]) }
            text += table.render(indent: "  ")
        }
        return text
    }
}
