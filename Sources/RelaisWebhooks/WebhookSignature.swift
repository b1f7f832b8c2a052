import Crypto
import Foundation

/// Standard Webhooks signatures (https://www.standardwebhooks.com, SPEC §12): the
/// `webhook-signature` header is `v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
/// one such pair per secret, separated by spaces, so that a receiver holding either key of
/// a rotation accepts the message.
///
/// Shared by relaisd (signing) and relais-sandbox's OMS receiver (verifying), and small on
/// purpose: a receiver's developer can read it whole.
public enum WebhookSignature {
    /// The header names of the specification.
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"

    /// The `webhook-signature` value for one message, one `v1,…` per key, in key order.
    /// - Parameters:
    ///   - keys: HMAC keys: the base64-decoded part of each `whsec_…` secret.
    ///   - timestamp: Unix seconds of this attempt (the `webhook-timestamp` header).
    public static func sign(id: String, timestamp: Int64, body: some Sequence<UInt8>, keys: [[UInt8]]) -> String {
        let message = signedContent(id: id, timestamp: timestamp, body: body)
        return keys.map { key in
            let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
            return "v1," + Data(code).base64EncodedString()
        }.joined(separator: " ")
    }

    /// True when one `v1,…` of `header` is the signature of the message under one of
    /// `keys`; compared in constant time. The caller checks the timestamp's age (replays).
    public static func verify(
        id: String, timestamp: Int64, body: some Sequence<UInt8>, header: String, keys: [[UInt8]]
    ) -> Bool {
        let message = signedContent(id: id, timestamp: timestamp, body: body)
        for item in header.split(separator: " ") {
            guard item.hasPrefix("v1,"), let signature = Data(base64Encoded: String(item.dropFirst(3))) else { continue }
            for key in keys
            where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: message, using: SymmetricKey(data: key)) {
                return true
            }
        }
        return false
    }

    /// `<id>.<timestamp>.<body>`: what is signed.
    static func signedContent(id: String, timestamp: Int64, body: some Sequence<UInt8>) -> [UInt8] {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        return message
    }

    /// The key of a `whsec_…` secret, nil when it is not one.
    public static func key(secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))), !data.isEmpty else {
            return nil
        }
        return [UInt8](data)
    }
}
