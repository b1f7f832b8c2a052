import Prometheus
import RelaisCore

/// The Prometheus registry behind `GET /metrics`.
///
/// Counters and histograms (bookings by carrier and outcome, carrier call latency,
/// decision latency) are recorded by the stages through swift-metrics, which the daemon
/// bootstraps with this registry. Gauges that describe the present (queue depth per state,
/// breaker state, pending orders) are read when scraped, so they are never stale.
public struct ControlMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    static var queueDepth: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "queue", unitName: "depth", helpText: "Shipments in each state.") }
    static var pendingOrders: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "orders", unitName: "pending", helpText: "Orders received and not yet in a shipment.") }
    static var breakerState: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "breaker", unitName: "state",
        helpText: "Each carrier's circuit breaker: 0 closed, 1 half-open, 2 open.") }
    static var breakerOpenings: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "breaker", unitName: "openings",
        helpText: "Times the carrier's breaker opened since the daemon started.") }
    static var uptime: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "uptime", unitName: "seconds", helpText: "Seconds since relaisd started.") }

    /// The registry in Prometheus text format, after refreshing the present-tense gauges.
    func scrape(queue: [ShipmentState: Int], pendingOrders: Int, carriers: DaemonState.CarrierView, uptimeSeconds: Int) -> String {
        for state in ShipmentState.allCases {
            registry.makeGauge(descriptor: Self.queueDepth, labels: [("state", state.rawValue)]).set(Double(queue[state] ?? 0))
        }
        registry.makeGauge(descriptor: Self.pendingOrders).set(Double(pendingOrders))
        for (carrier, state) in carriers.breakers {
            let value: Int =
                switch state {
                case .closed: 0
                case .halfOpen: 1
                case .open: 2
                }
            registry.makeGauge(descriptor: Self.breakerState, labels: [("carrier", carrier)]).set(Double(value))
            registry.makeGauge(descriptor: Self.breakerOpenings, labels: [("carrier", carrier)]).set(Double(carriers.openings[carrier] ?? 0))
        }
        registry.makeGauge(descriptor: Self.uptime).set(Double(uptimeSeconds))
        return registry.emitToString()
    }
}
