import RelaisCore

/// `[outbox]` of relais.toml (SPEC §12).
public struct OutboxSettings: Hashable, Sendable {
    /// Also write each event as `<spool>/out/<event id>.json`.
    public var spool = false

    public init() {}
}

/// A `[[webhook]]` of relais.toml: one consumer of the outbox (SPEC §12).
public struct WebhookSettings: Hashable, Sendable {
    /// 1-based position in relais.toml: `relaisctl webhooks`, `POST /v1/webhooks/{n}/enable`.
    public var number: Int
    public var url: String
    /// The credentials file's name (`secret = "oms-webhook"`), never its content.
    public var secretName: String
    /// The secrets read from it, one a line; several while a key is rotated. Empty when the
    /// file could not be read by this user (relaisctl), never for a daemon that starts.
    public var secrets: [WebhookSecret]
    /// The event types sent; empty for all.
    public var events: Set<OutboxEventType> = []
    /// The label inline, base64, in `data.label`.
    public var includeLabel = false
    /// The deadline of one attempt.
    public var timeoutSeconds = 15
    /// Attempts under way at once at this endpoint.
    public var maxInFlight = 8

    public init(number: Int, url: String, secretName: String, secrets: [WebhookSecret]) {
        self.number = number
        self.url = url
        self.secretName = secretName
        self.secrets = secrets
    }
}

/// A Standard Webhooks signing secret: `whsec_` and the key in base64.
///
/// - Important: Never printed: its description is redacted, so a secret cannot reach a log
///   line or a reply by accident.
public struct WebhookSecret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The HMAC key: the base64-decoded part after `whsec_`.
    public let key: [UInt8]

    /// nil unless `text` is `whsec_` followed by non-empty base64.
    public init?(_ text: String) {
        guard text.hasPrefix("whsec_"), let key = Base64.decode(String(text.dropFirst(6))), !key.isEmpty else { return nil }
        self.key = key
    }

    public var description: String { "whsec_…(redacted)" }
    public var debugDescription: String { description }
}

/// Standard base64 (RFC 4648 §4), padding optional, without Foundation.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            values.append(value)
        }
        guard values.count % 4 != 1, padding <= 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            let a = chunk[chunk.startIndex], b = chunk[chunk.startIndex + 1]
            bytes.append(a << 2 | b >> 4)
            if chunk.count > 2 {
                let c = chunk[chunk.startIndex + 2]
                bytes.append(b << 4 | c >> 2)
                if chunk.count > 3 { bytes.append(c << 6 | chunk[chunk.startIndex + 3]) }
            }
            index += 4
        }
        return bytes
    }
}

extension DaemonConfig {
    /// An outbox endpoint of this configuration: its name in replies, logs and metrics, and
    /// its target (`spool`, or the webhook's URL) as the records know it.
    public struct OutboxEndpoint: Hashable, Sendable {
        /// `spool`, `webhook-1`, `webhook-2`, … (the `[[webhook]]`'s position).
        public var name: String
        public var target: String
        public var webhook: WebhookSettings?
    }

    /// The spool (when `[outbox] spool`), then each `[[webhook]]` in file order.
    public var outboxEndpoints: [OutboxEndpoint] {
        (outbox.spool ? [OutboxEndpoint(name: "spool", target: "spool", webhook: nil)] : [])
            + webhooks.map { OutboxEndpoint(name: "webhook-\($0.number)", target: $0.url, webhook: $0) }
    }
}
