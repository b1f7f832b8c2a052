/// How a sandbox carrier misbehaves: latency, error rates by class, timeouts before and
/// after reading the request, malformed replies, outages. Rates are probabilities 0…1,
/// drawn per booking request; `script` forces the next bookings' behaviour, for tests.
/// Logins, lookups, tracking and label fetches only feel the latency and outages; tracking
/// replies follow the parcel's `journey`.
public struct SandboxKnobs: Hashable, Sendable, Codable {
    /// What one request does.
    public enum Behaviour: String, Hashable, Sendable, Codable, CaseIterable {
        case normal
        /// 5xx with a SOAP Server fault (or a REST error): a transient failure.
        case transient
        /// The carrier's validation error (its refusal template): a permanent failure.
        case permanent
        /// Books, then answers 200 with a truncated reply: an unknown outcome.
        case malformed
        /// Hangs without acting on the request, then 503: nothing booked. The request was
        /// sent whole, so to the client this is a timeout after sending (unknown outcome)
        /// that a lookup resolves as "not booked".
        case timeoutBeforeRead = "timeout-before-read"
        /// Books, then hangs: the client's deadline passes after sending; unknown outcome.
        case timeoutAfterRead = "timeout-after-read"
        /// Answers 503 to everything.
        case outage
    }

    public var latencyMilliseconds: Int = 0
    public var transientRate: Double = 0
    public var permanentRate: Double = 0
    public var malformedRate: Double = 0
    public var timeoutBeforeReadRate: Double = 0
    public var timeoutAfterReadRate: Double = 0
    /// Answers 503 to every request while true.
    public var outage: Bool = false
    /// How long a timeout hangs, milliseconds: longer than the client's deadline.
    public var hangMilliseconds: Int = 20_000
    /// Behaviours of the next requests, in order; consumed before the rates are drawn.
    public var script: [Behaviour] = []
    /// The journey a booked parcel plays for tracking, unless `journeys` names its reference.
    public var journey: SandboxJourney = .normal
    /// Journeys by booking reference (the shipment id), so that one run plays several.
    public var journeys: [String: SandboxJourney] = [:]
    /// Accelerated time: one step of a journey, milliseconds (a normal journey is four).
    public var journeyStepMilliseconds: Int = 60_000

    public init() {}

    /// Every key is optional in JSON: `{"transientRate": 0.05}` changes one knob.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SandboxKnobs()
        latencyMilliseconds = try container.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? defaults.latencyMilliseconds
        transientRate = try container.decodeIfPresent(Double.self, forKey: .transientRate) ?? 0
        permanentRate = try container.decodeIfPresent(Double.self, forKey: .permanentRate) ?? 0
        malformedRate = try container.decodeIfPresent(Double.self, forKey: .malformedRate) ?? 0
        timeoutBeforeReadRate = try container.decodeIfPresent(Double.self, forKey: .timeoutBeforeReadRate) ?? 0
        timeoutAfterReadRate = try container.decodeIfPresent(Double.self, forKey: .timeoutAfterReadRate) ?? 0
        outage = try container.decodeIfPresent(Bool.self, forKey: .outage) ?? false
        hangMilliseconds = try container.decodeIfPresent(Int.self, forKey: .hangMilliseconds) ?? defaults.hangMilliseconds
        script = try container.decodeIfPresent([Behaviour].self, forKey: .script) ?? []
        journey = try container.decodeIfPresent(SandboxJourney.self, forKey: .journey) ?? defaults.journey
        journeys = try container.decodeIfPresent([String: SandboxJourney].self, forKey: .journeys) ?? [:]
        journeyStepMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .journeyStepMilliseconds) ?? defaults.journeyStepMilliseconds
        guard journeyStepMilliseconds > 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .journeyStepMilliseconds, in: container, debugDescription: "journeyStepMilliseconds must be positive")
        }
    }

    /// The journey a parcel booked under `reference` plays.
    func journey(reference: String) -> SandboxJourney { journeys[reference] ?? journey }

    /// The behaviour for a draw in `0..<1` when no script is pending.
    func behaviour(draw: Double) -> Behaviour {
        if outage { return .outage }
        var threshold = 0.0
        for (rate, behaviour) in [
            (transientRate, Behaviour.transient), (permanentRate, .permanent), (malformedRate, .malformed),
            (timeoutBeforeReadRate, .timeoutBeforeRead), (timeoutAfterReadRate, .timeoutAfterRead),
        ] {
            threshold += rate
            if draw < threshold { return behaviour }
        }
        return .normal
    }
}
