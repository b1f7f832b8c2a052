import Metrics
import RelaisStore

/// The booking stage's swift-metrics instruments, made once per label set and kept by the
/// loop (the loop owns it; no locks).
///
/// - `relais_bookings_total{carrier, outcome}`: outcomes as committed (booked, deferred,
///   failover, uncertain, failed, postponed).
/// - `relais_carrier_call_seconds{carrier}`: a histogram of carrier call durations.
struct BookingMetrics {
    private var counters: [String: Counter] = [:]
    private var timers: [String: Timer] = [:]

    mutating func committed(_ outcome: BookingOutcome) {
        let name = outcome.result.attemptOutcome.rawValue
        let key = outcome.carrier + "\u{0}" + name
        if counters[key] == nil {
            counters[key] = Counter(label: "relais_bookings_total", dimensions: [("carrier", outcome.carrier), ("outcome", name)])
        }
        counters[key]!.increment()
    }

    mutating func called(carrier: String, duration: Duration) {
        if timers[carrier] == nil {
            timers[carrier] = Timer(label: "relais_carrier_call_seconds", dimensions: [("carrier", carrier)], preferredDisplayUnit: .seconds)
        }
        timers[carrier]!.recordMilliseconds(duration.wholeMilliseconds)
    }
}
