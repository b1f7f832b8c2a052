import Foundation

/// The inputs that libFuzzer drives (FUZZING.md) and that the corpus replay test runs again on
/// every build: each takes arbitrary bytes and must return. A crash, a hang or a leak in one
/// is a defect of Relais; the input that found it becomes a file of the target's corpus.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Order files and API bodies: one JSON object, an array, or NDJSON (SPEC §3).
    case orders
    /// Checkout carts of `POST /v1/options` (SPEC §15).
    case carts
    /// A policy file, loaded against the shipped panel (SPEC §6).
    case policy
    /// A carrier definition: the input is either its carrier.toml or one of its rate CSVs
    /// (first byte even or odd), loaded with the rest of a shipped carrier's folder (SPEC §5).
    case carrier
    /// A carrier's HTTP reply, read by every operation of every shipped carrier (SPEC §9):
    /// the first byte picks the HTTP status, the rest is the body.
    case reply
    /// A request to the control API over its real Unix socket: the first line is
    /// `METHOD /path?query`, the rest the body (SPEC §10).
    case control

    /// Runs one input. Expected failures (a rejected order, a refused policy, a 4xx) are
    /// answers, not crashes; only a broken invariant stops the process.
    public func run(_ input: Data) {
        switch self {
        case .orders: DecoderTargets.orders(input)
        case .carts: DecoderTargets.carts(input)
        case .policy: ConfigTargets.shared.policy(input)
        case .carrier: ConfigTargets.shared.carrier(input)
        case .reply: ReplyTarget.shared.run(input)
        case .control: ControlTarget.shared.run(input)
        }
    }

    /// Stops the process with `message`: libFuzzer keeps the input that broke the invariant.
    static func violated(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz: invariant broken: \(message)\n".utf8))
        abort()
    }
}
