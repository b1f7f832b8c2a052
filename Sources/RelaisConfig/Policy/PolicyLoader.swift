import Crypto
import Foundation
import RelaisCore

/// Loads `policies/<name>.toml` (SPEC §6) and validates it against a carrier panel.
public enum PolicyLoader {
    /// Loads one policy file.
    ///
    /// - Parameters:
    ///   - panel: carriers and services that `exclude` and `[[allocation]]` may name.
    ///   - siteIDs: when known (from relais.toml), the sites a rule's `when.site` may name.
    /// - Throws: ``ConfigError`` with every problem found.
    public static func load(file path: String, panel: CarrierPanel, siteIDs: Set<String>? = nil) throws(ConfigError)
        -> Policy
    {
        let log = DiagnosticLog()
        let policy = load(file: path, panel: panel, siteIDs: siteIDs, log: log)
        if log.hasErrors || policy == nil { throw ConfigError(log.diagnostics) }
        return policy!
    }

    /// Loads a policy from text already read (tests, the control API).
    public static func load(text: String, file: String, panel: CarrierPanel, siteIDs: Set<String>? = nil)
        throws(ConfigError) -> Policy
    {
        let log = DiagnosticLog()
        let policy = parse(text: text, file: file, panel: panel, siteIDs: siteIDs, log: log)
        if log.hasErrors || policy == nil { throw ConfigError(log.diagnostics) }
        return policy!
    }

    static func load(
        file path: String, panel: CarrierPanel, unverifiable: Set<String> = [], siteIDs: Set<String>?, log: DiagnosticLog
    ) -> Policy? {
        guard let text = FileText.read(URL(fileURLWithPath: path), file: path, log: log) else { return nil }
        return parse(text: text, file: path, panel: panel, unverifiable: unverifiable, siteIDs: siteIDs, log: log)
    }

    static func parse(
        text: String, file: String, panel: CarrierPanel, unverifiable: Set<String> = [], siteIDs: Set<String>?,
        log: DiagnosticLog
    ) -> Policy? {
        guard let document = TOMLDocument.parse(text: text, file: file, log: log) else { return nil }
        let before = log.diagnostics.count
        let validator = Validator(panel: panel, unverifiable: unverifiable, siteIDs: siteIDs)
        let root = TableReader(root: document, log: log)

        let header = root.table("policy", required: true)
        let name = header?.string("name", required: true)
        let currency = header?.string("currency", required: true)
        if let currency {
            if !Identifier.isCurrency(currency) {
                header?.error("currency", "currency '\(currency)' must be an ISO 4217 code such as EUR")
            } else {
                let others = panel.carriers.filter { $0.currency != currency }
                if !others.isEmpty {
                    let list = others.map { "\($0.id) (\($0.currency))" }.joined(separator: ", ")
                    header?.error("currency", "policy currency \(currency) does not match the rates of \(list)")
                }
            }
        }
        header?.finish()

        let pricesTable = root.table("prices")
        let perDay = pricesTable.flatMap { validator.price($0, "per_day") } ?? .zero
        let perKg = pricesTable.flatMap { validator.price($0, "per_kg_co2e") } ?? .zero
        pricesTable?.finish()

        let promiseTable = root.table("promise")
        let confidence = promiseTable.flatMap { validator.percentile($0, "confidence") } ?? .p90
        let whenUnmeetable = promiseTable.flatMap { validator.whenUnmeetable($0, "when_unmeetable") } ?? .fastest
        promiseTable?.finish()

        var constraints = PolicyConstraints()
        if let table = root.table("constraints") {
            constraints.exclude = validator.exclusions(table, "exclude")
            constraints.maxCO2eGrams = validator.co2eLimit(table, "max_co2e_g")
            constraints.fleet = Set(table.strings("fleet") ?? [])
            table.finish()
        }

        var rules: [PolicyRule] = []
        var ruleNames: [String: Int?] = [:]
        for table in root.tables("rule", label: "[[rule]]") {
            guard let rule = validator.rule(table) else { continue }
            if let first = ruleNames[rule.name] {
                table.error("name", "rule name '\(rule.name)' is used twice (first at line \(first.map(String.init) ?? "?"))")
            }
            ruleNames[rule.name] = table.line("name")
            rules.append(rule)
        }

        var allocations: [String: Allocation] = [:]
        for table in root.tables("allocation", label: "[[allocation]]") {
            guard let allocation = validator.allocation(table) else { continue }
            if allocations[allocation.carrier] != nil {
                table.error("carrier", "carrier '\(allocation.carrier)' has two [[allocation]] entries")
            }
            allocations[allocation.carrier] = allocation
        }
        root.finish()

        guard !log.diagnostics[before...].contains(where: { $0.severity == .error }), let name, let currency else {
            return nil
        }
        return Policy(
            name: name, currency: currency, sha256: sha256Hex(Data(text.utf8)), text: text,
            prices: PolicyPrices(perDay: perDay, perKgCO2e: perKg),
            promise: PromisePolicy(confidence: confidence, whenUnmeetable: whenUnmeetable),
            constraints: constraints, rules: rules, allocations: allocations)
    }

    /// Lower-case hex SHA-256: the identity of a policy text in decision records.
    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
