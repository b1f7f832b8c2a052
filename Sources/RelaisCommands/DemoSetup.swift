import Foundation
import RelaisConfig
import RelaisCore
import RelaisOrders

/// `relaisd --demo`: runs on the repository's own files with embedded defaults.
///
/// It writes the configuration it runs with to `./.relais/relais.toml` (state in
/// `./.relais/`, the repository's `carriers/` and `policies/`, three sample sites) so that
/// `relaisctl --config .relais/relais.toml …` sees exactly what the demo sees.
public enum DemoSetup {
    /// The demo's sites, as an operator would write them: a warehouse and two stores; the
    /// Lille store ships the sample orders to Lille that list it in `origins`.
    static let sites = """
        [[site]]
        id = "lyon-dc"
        name = "Entrepôt Lyon Gerland"
        street = ["10 avenue Tony Garnier"]
        postcode = "69007"
        city = "Lyon"
        country = "FR"
        lat = 45.7323
        lon = 4.8283
        timezone = "Europe/Paris"

        [[site]]
        id = "paris-store"
        name = "Boutique Paris Bastille"
        street = ["24 rue de la Roquette"]
        postcode = "75011"
        city = "Paris"
        country = "FR"
        lat = 48.8546
        lon = 2.3730
        timezone = "Europe/Paris"

        [[site]]
        id = "lille-store"
        name = "Boutique Lille Vieux-Lille"
        street = ["31 rue de la Grande Chaussée"]
        postcode = "59800"
        city = "Lille"
        country = "FR"
        lat = 50.6389
        lon = 3.0632
        timezone = "Europe/Paris"
        """

    /// The configuration text for a repository at `root`.
    public static func configText(root: String, sandboxURL: String? = nil) -> String {
        let state = (root as NSString).appendingPathComponent(".relais")
        func quoted(_ path: String) -> String { "\"\(path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }
        return """
            # Written by `relaisd --demo`: the configuration the demo runs with.
            [paths]
            state = \(quoted(state))
            spool = \(quoted((state as NSString).appendingPathComponent("spool")))
            carriers = \(quoted((root as NSString).appendingPathComponent("carriers")))
            policies = \(quoted((root as NSString).appendingPathComponent("policies")))
            socket = \(quoted((state as NSString).appendingPathComponent("relais.sock")))

            [policy]
            active = "default"

            [booking]
            credentials = \(quoted((state as NSString).appendingPathComponent("credentials")))
            \(sandboxURL.map { "sandbox_url = \(quoted($0))   # relais-sandbox, started by the demo" } ?? "# sandbox_url: none (the demo was not booking)")
            min_backoff = "2s"
            max_backoff = "30s"
            breaker_open = "10s"
            reconcile_every = "10s"

            \(sandboxURL.map { webhook(url: $0) } ?? "")
            \(sites)

            """
    }

    /// The demo's outbox: spool files in `.relais/spool/out/`, and relais-sandbox playing the
    /// shop's OMS, which verifies each webhook's signature.
    static func webhook(url: String) -> String {
        """
        [outbox]
        spool = true                 # also .relais/spool/out/<event id>.json

        [[webhook]]
        url = "\(url)\(omsPath)"
        secret = "\(omsSecretName)"    # .relais/credentials/\(omsSecretName): one whsec_… a line
        events = []                  # all
        timeout_s = 5

        """
    }

    /// Where relais-sandbox's OMS listens, and the demo's webhook secret file.
    public static let omsPath = "/_oms/hooks"
    public static let omsSecretName = "oms-webhook"

    /// The demo's webhook secrets (`whsec_…`), made once in `.relais/credentials/`.
    public static func omsSecrets(root: String) -> [String] {
        let file = (root as NSString).appendingPathComponent(".relais/credentials/\(omsSecretName)")
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        return String(decoding: data, as: UTF8.self).textLines().map(String.init).filter { $0.hasPrefix("whsec_") }
    }

    /// Creates `./.relais/` and writes the demo configuration; returns its path.
    /// - Throws: when the directory is not a Relais repository or the file cannot be written.
    public static func prepare(root: String, sandboxURL: String? = nil) throws -> String {
        let manager = FileManager.default
        for folder in ["carriers", "policies"] where !manager.fileExists(atPath: (root as NSString).appendingPathComponent(folder)) {
            throw DemoError(reason: "no \(folder)/ in \(root): run the demo from the repository root")
        }
        let state = (root as NSString).appendingPathComponent(".relais")
        try manager.createDirectory(atPath: state, withIntermediateDirectories: true)
        // The sandbox carriers' credentials, where LoadCredential would put real ones.
        let credentials = (state as NSString).appendingPathComponent("credentials")
        try manager.createDirectory(atPath: credentials, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let carriers = (root as NSString).appendingPathComponent("carriers")
        for id in try manager.contentsOfDirectory(atPath: carriers).sorted() {
            let source = "\(carriers)/\(id)/sandbox/credentials"
            guard let data = manager.contents(atPath: source) else { continue }
            let target = (credentials as NSString).appendingPathComponent(id)
            try data.write(to: URL(fileURLWithPath: target), options: .atomic)
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        }
        // The webhook secret the demo signs with and its OMS verifies with: random, kept.
        let secret = (credentials as NSString).appendingPathComponent(omsSecretName)
        if !manager.fileExists(atPath: secret) {
            var generator = SystemRandomNumberGenerator()
            let key = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data("whsec_\(Data(key).base64EncodedString())\n".utf8).write(to: URL(fileURLWithPath: secret), options: .atomic)
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        }
        let file = (state as NSString).appendingPathComponent("relais.toml")
        try Data(configText(root: root, sandboxURL: sandboxURL).utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        return file
    }

    public struct DemoError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The sample orders made ready at `now` (seconds since the Unix epoch), as the demo
    /// drops them: each `ready_at` becomes `now` (UTC), and each `promised_by` keeps its
    /// distance in days from the order's ready date, so ETAs and promises are about today,
    /// not the day the samples were written.
    public static func madeReady(_ text: String, now: Int64) -> String {
        let today = CivilDate(dayNumber: Int(now / 86_400))
        let stamp = utcStamp(now)
        var lines: [String] = []
        for line in text.textLines() {
            var line = String(line)
            var readyDate: CivilDate?
            if let (range, value) = field("ready_at", in: line) {
                readyDate = Timestamp.parse(value).map { CivilDate(dayNumber: Int($0 / 86_400)) }
                line.replaceSubrange(range, with: stamp)
            }
            if let readyDate, let (range, value) = field("promised_by", in: line), let promised = CivilDate(value) {
                line.replaceSubrange(range, with: today.adding(days: readyDate.days(until: promised)).description)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `2026-11-23T09:15:00Z`: a `ready_at` as orders carry it.
    static func utcStamp(_ seconds: Int64) -> String {
        let date = CivilDate(dayNumber: Int(seconds / 86_400))
        let second = Int(seconds % 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(date)T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
    }

    /// The range of a string field's value in one line of JSON, and the value.
    private static func field(_ key: String, in line: String) -> (Range<String.Index>, String)? {
        guard let keyRange = line.range(of: "\"\(key)\": \""),
            let end = line[keyRange.upperBound...].firstIndex(of: "\"")
        else { return nil }
        let range = keyRange.upperBound..<end
        return (range, String(line[range]))
    }

    /// One line per decision: what was chosen, at what price, ETA and CO2e, or why held.
    public static func summaryLine(_ decision: Decision, order: Order) -> String {
        let destination = "\(order.recipient.country)-\(order.recipient.postcode)"
        let head = "\(order.id) \(order.site) → \(destination) (\(order.serviceLevel.rawValue), \(order.deliveryMode.rawValue))"
        guard let chosen = decision.chosen else {
            let reasons = Set(decision.candidates.flatMap { $0.reasons.codes }).map(\.rawValue).sorted()
            return "\(head): HELD, nothing eligible (\(reasons.joined(separator: ", ")))"
        }
        var line = "\(head): \(chosen.key)\(order.origins.count > 1 ? " from \(chosen.origin ?? "?")" : "") \(chosen.price.map { "\($0) \(decision.currency)" } ?? "-")"
        if let eta = chosen.eta { line += ", ETA \(eta.p50) (p90 \(eta.p90))" }
        if let co2e = chosen.co2eGrams { line += ", \(String(format1: co2e)) g CO2e" }
        if let cost = chosen.cost { line += ", cost \(cost)" }
        if decision.late { line += " — LATE" }
        return line
    }
}
