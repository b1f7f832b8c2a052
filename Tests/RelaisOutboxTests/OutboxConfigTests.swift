import Foundation
import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisConfig

/// `[outbox]` and `[[webhook]]` of relais.toml: refused at load with file:line, secrets
/// never printed.
@Suite struct OutboxConfigTests {
    let credentials = FileManager.default.temporaryDirectory.appendingPathComponent("relais-secrets-\(UUID().uuidString)")

    func load(_ text: String, secrets: [String: String] = [:]) throws(ConfigError) -> DaemonConfig {
        try? FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        for (name, content) in secrets {
            try? Data(content.utf8).write(to: credentials.appendingPathComponent(name))
        }
        return try DaemonConfigLoader.load(text: text, file: "relais.toml", environment: ["CREDENTIALS_DIRECTORY": credentials.path])
    }

    static let good = """
        [outbox]
        spool = true

        [[webhook]]
        url = "https://oms.example.com/hooks/relais"
        secret = "oms-webhook"
        events = ["shipment.booked", "shipment.held"]
        include_label = true
        timeout_s = 10
        """

    @Test func aGoodWebhookLoadsItsSecretsAndNeverPrintsThem() throws {
        defer { try? FileManager.default.removeItem(at: credentials) }
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let config = try load(Self.good, secrets: ["oms-webhook": "# rotated on 2026-11-20\n\(secret)\nwhsec_c2Vjb25k\n"])
        #expect(config.outbox.spool)
        let webhook = try #require(config.webhooks.first)
        #expect(webhook.number == 1 && webhook.url == "https://oms.example.com/hooks/relais")
        #expect(webhook.secrets.count == 2 && webhook.secrets[1].key == Array("second".utf8))
        #expect(webhook.events == [.shipmentBooked, .shipmentHeld] && webhook.includeLabel && webhook.timeoutSeconds == 10)
        for text in ["\(webhook)", String(reflecting: webhook), "\(config.webhooks)"] {
            #expect(!text.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") && !text.contains("c2Vjb25k"))
        }
        #expect(config.outboxEndpoints.map(\.name) == ["spool", "webhook-1"])
    }

    @Test(arguments: [
        // (relais.toml, secret file content or nil for none, the expected line and message part)
        ("[[webhook]]\nurl = \"https://oms.example.com/h\"\nsecret = \"missing\"\n", nil as String?, 3, "does not exist"),
        ("[[webhook]]\nurl = \"https://oms.example.com/h\"\nsecret = \"oms\"\n", "not-a-secret\n", 3, "not a webhook secret"),
        ("[[webhook]]\nurl = \"https://oms.example.com/h\"\nsecret = \"oms\"\n", "whsec_!!!\n", 3, "not a webhook secret"),
        ("[[webhook]]\nurl = \"https://oms.example.com/h\"\nsecret = \"oms\"\n", "\n# none\n", 3, "holds no whsec_"),
        ("\n[[webhook]]\nurl = \"ftp://oms.example.com/h\"\nsecret = \"oms\"\n", "whsec_c2Vjb25k\n", 3, "http:// or https://"),
        ("[[webhook]]\nurl = \"https://oms.example.com/h\"\nsecret = \"oms\"\nevents = [\"shipment.lost\"]\n", "whsec_c2Vjb25k\n", 4,
         "unknown event type"),
        ("[[webhook]]\nurl = \"https://oms.example.com/h\"\nsecret = \"oms\"\ntimeout_s = 0\n", "whsec_c2Vjb25k\n", 4, "out of range"),
        ("[outbox]\nspool = \"yes\"\n", nil, 2, "true or false"),
    ])
    func badConfigurationIsRefusedWithFileAndLine(text: String, secret: String?, line: Int, message: String) throws {
        defer { try? FileManager.default.removeItem(at: credentials) }
        do {
            _ = try load(text, secrets: secret.map { ["oms": $0] } ?? [:])
            Issue.record("loaded: \(text)")
        } catch {
            let found = error.diagnostics.first { $0.severity == .error }
            #expect(found?.file == "relais.toml")
            #expect(found?.line == line, "\(error)")
            #expect(found?.message.contains(message) == true, "\(error)")
            #expect(!error.description.contains("c2Vjb25k"))
        }
    }

    @Test func theShippedCarriersHaveTrackingPages() throws {
        let panel = try PanelLoader.load(directory: OutboxRig.repository.appendingPathComponent("carriers").path)
        for loaded in panel.carriers {
            let url = try #require(loaded.trackingURL, "\(loaded.carrier.id)")
            #expect(url.hasPrefix("https://") && url.contains("{{tracking_number}}"))
        }
    }
}
