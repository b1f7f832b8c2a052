import Foundation
import RelaisConfig
import RelaisCore
import RelaisOrders

/// `relaisctl quote ORDER.json`: decides each order of the file as a shipment of its own
/// and shows the ranking; nothing is stored and nothing is booked.
public enum QuoteCommand {
    /// - Parameters:
    ///   - configFile: relais.toml, whose `[[site]]`s orders ship from.
    ///   - carriers: the panel directory; nil takes `paths.carriers` from the config.
    ///   - policyFile: the policy; nil takes `paths.policies/<policy.active>.toml`.
    ///   - json: print the decision records (SPEC §7.5) instead of tables.
    public static func run(orderFile: String, configFile: String?, carriers: String?, policyFile: String?, json: Bool)
        -> CommandOutput
    {
        let settings = Settings.resolve(configFile: configFile, carriers: carriers, policies: nil)
        guard let configPath = settings.configFile else {
            return CommandOutput(
                stderr: "quote needs the sites orders ship from: pass --config relais.toml (no \(DaemonConfigLoader.defaultPath))\n",
                status: .cannotRun)
        }
        let config: DaemonConfig
        let panel: LoadedPanel
        let policy: Policy
        do {
            config = try DaemonConfigLoader.load(file: configPath)
            panel = try PanelLoader.load(directory: settings.carriers)
            policy = try PolicyLoader.load(
                file: policyFile ?? config.activePolicyFile, panel: panel.panel, siteIDs: Set(config.sites.map(\.id)))
        } catch {
            return CommandOutput(stderr: "\(error)\n", status: .cannotRun)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: orderFile))
        } catch {
            return CommandOutput(stderr: "\(orderFile): cannot read: \(error.localizedDescription)\n", status: .cannotRun)
        }
        let batch = OrderDecoder(knownSites: Set(config.sites.map(\.id))).decode(data)
        var output = CommandOutput()
        for rejection in batch.rejections {
            let who = rejection.orderID.map { "order \($0)" } ?? "order #\(rejection.position)"
            for problem in rejection.problems { output.stderr += "\(orderFile): \(who): \(problem)\n" }
        }
        for decoded in batch.orders {
            for warning in decoded.warnings { output.stderr += "\(orderFile): order \(decoded.order.id): warning: \(warning)\n" }
        }
        let engine = DecisionEngine(panel: panel.panel, policy: policy)
        let decisions = batch.orders.map { decoded in
            let order = decoded.order
            return engine.decide(Shipment(id: order.id, orders: [order], origins: order.origins.map { config.site(id: $0)! }))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            let records = decisions.map(DecisionRecord.init)
            let body: Data? =
                records.count == 1 && batch.rejections.isEmpty ? try? encoder.encode(records[0]) : try? encoder.encode(records)
            output.stdout = body.map { String(decoding: $0, as: UTF8.self) + "\n" } ?? ""
        } else {
            output.stdout = decisions.map { DecisionTable.render($0) }.joined(separator: "\n")
        }
        if !batch.rejections.isEmpty { output.status = .invalid }
        return output
    }
}
