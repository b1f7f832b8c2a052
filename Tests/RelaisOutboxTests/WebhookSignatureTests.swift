import Foundation
import RelaisStore
import RelaisTesting
import Testing
@testable import RelaisWebhooks

@Suite struct WebhookSignatureTests {
    /// The Standard Webhooks specification's own test vector (its reference libraries' tests):
    /// interoperability, not just agreement with our own verifier.
    static let vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let vectorID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let vectorTimestamp: Int64 = 1_614_265_330
    static let vectorBody = #"{"test": 2432232314}"#
    static let vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func reproducesTheSpecificationTestVector() throws {
        let key = try #require(WebhookSignature.key(secret: Self.vectorSecret))
        let header = WebhookSignature.sign(
            id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Array(Self.vectorBody.utf8), keys: [key])
        #expect(header == Self.vectorSignature)
        #expect(
            WebhookSignature.verify(
                id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Array(Self.vectorBody.utf8), header: Self.vectorSignature,
                keys: [key]))
    }

    /// `openssl dgst -sha256 -hmac KEY` over `id.timestamp.body`, an implementation that
    /// shares no code with ours; the secret's key is printable so `-hmac` can take it.
    @Test func agreesWithOpenSSL() async throws {
        let keyText = "relais-outbox-test-key-2026"
        let secret = "whsec_" + Data(keyText.utf8).base64EncodedString()
        let id = "evt_01KB0Z8X4M6T0000000000000"
        let timestamp: Int64 = 1_795_425_302
        let body = #"{"id":"evt_01KB0Z8X4M6T0000000000000","type":"shipment.booked","data":{"tracking_number":"XY 12/é"}}"#
        let key = try #require(WebhookSignature.key(secret: secret))
        #expect(key == Array(keyText.utf8))
        let ours = WebhookSignature.sign(id: id, timestamp: timestamp, body: Array(body.utf8), keys: [key])

        let digest = try await Self.openssl(["dgst", "-sha256", "-hmac", keyText, "-binary"], input: "\(id).\(timestamp).\(body)")
        #expect(ours == "v1," + digest.base64EncodedString())

        // The vector again through openssl with a binary key (-macopt hexkey).
        let vectorKey = try #require(WebhookSignature.key(secret: Self.vectorSecret))
        let hex = vectorKey.map { String(format: "%02x", $0) }.joined()
        let vector = try await Self.openssl(
            ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hex)", "-binary"],
            input: "\(Self.vectorID).\(Self.vectorTimestamp).\(Self.vectorBody)")
        #expect("v1," + vector.base64EncodedString() == Self.vectorSignature)
    }

    /// Two secrets while a key is rotated: one `v1,…` per secret, in the file's order, and a
    /// receiver holding either key accepts.
    @Test func rotationSignsWithEverySecret() throws {
        let old = try #require(WebhookSignature.key(secret: Self.vectorSecret))
        let new = Array("a new key of 24 bytes...".utf8)
        let body = Array(#"{"a":1}"#.utf8)
        let header = WebhookSignature.sign(id: "evt_1", timestamp: 1_700_000_000, body: body, keys: [old, new])
        let parts = header.split(separator: " ").map(String.init)
        #expect(parts.count == 2 && parts.allSatisfy { $0.hasPrefix("v1,") })
        #expect(parts[0] == WebhookSignature.sign(id: "evt_1", timestamp: 1_700_000_000, body: body, keys: [old]))
        #expect(parts[1] == WebhookSignature.sign(id: "evt_1", timestamp: 1_700_000_000, body: body, keys: [new]))
        for keys in [[old], [new]] {
            #expect(WebhookSignature.verify(id: "evt_1", timestamp: 1_700_000_000, body: body, header: header, keys: keys))
        }
        let other = Array("somebody else's key".utf8)
        #expect(!WebhookSignature.verify(id: "evt_1", timestamp: 1_700_000_000, body: body, header: header, keys: [other]))
    }

    @Test func aChangedBodyIdOrTimestampDoesNotVerify() throws {
        let key = try #require(WebhookSignature.key(secret: Self.vectorSecret))
        let body = Array(Self.vectorBody.utf8)
        let header = Self.vectorSignature
        #expect(!WebhookSignature.verify(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: body + [0x20], header: header, keys: [key]))
        #expect(!WebhookSignature.verify(id: "msg_other", timestamp: Self.vectorTimestamp, body: body, header: header, keys: [key]))
        #expect(!WebhookSignature.verify(id: Self.vectorID, timestamp: Self.vectorTimestamp + 1, body: body, header: header, keys: [key]))
        #expect(WebhookSignature.key(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
    }

    static func openssl(_ arguments: [String], input: String) async throws -> Data {
        let output = try await runChild("/usr/bin/openssl", arguments, input: Data(input.utf8))
        #expect(output.status == 0)
        return output.output
    }
}

/// The worked example of docs/oms.md, so that the page stays true.
@Suite struct OMSDocumentationExampleTests {
    static let id = "evt_01KAQ5M3ZD8X6PC0V4W2RNT7HB"
    static let timestamp: Int64 = 1_795_425_302
    static let body = #"{"id":"evt_01KAQ5M3ZD8X6PC0V4W2RNT7HB","type":"shipment.booked","timestamp":"2026-11-23T09:15:02.123Z","data":{"id":"S-1042","state":"booked","orders":["A-1001"],"tracking_number":"XW123456789FR","tracking_url":"https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=XW123456789FR"}}"#

    @Test func theWorkedExampleOfTheDocumentation() throws {
        let first = try #require(WebhookSignature.key(secret: "whsec_cmVsYWlzLWRvY3MtZXhhbXBsZS1rZXkh"))
        let second = try #require(WebhookSignature.key(secret: "whsec_dGhlLW5leHQta2V5LWZvci1yb3RhdGlvbg=="))
        #expect(first == Array("relais-docs-example-key!".utf8))
        #expect(
            WebhookSignature.sign(id: Self.id, timestamp: Self.timestamp, body: Array(Self.body.utf8), keys: [first])
                == "v1,7OQvn/IbV3h9Vxng2E7KoIr45QeXlniJjtQkogvOy48=")
        #expect(
            WebhookSignature.sign(id: Self.id, timestamp: Self.timestamp, body: Array(Self.body.utf8), keys: [first, second])
                == "v1,7OQvn/IbV3h9Vxng2E7KoIr45QeXlniJjtQkogvOy48= v1,z+tb/a3aHEDQwZ482vqwQYWlVzrPn1CB0aFIWTwRwZM=")
    }
}
