import Prometheus
import RelaisControlAPI

extension ControlMetrics {
    static var outboxPending: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "outbox", unitName: "pending",
        helpText: "Outbox events not yet delivered to each endpoint (SPEC §12).") }
    static var outboxDead: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "outbox", unitName: "dead",
        helpText: "Outbox events given up at each endpoint after the last retry.") }
    static var outboxOldest: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "outbox_oldest_pending", unitName: "seconds",
        helpText: "Age of the oldest event pending at each endpoint: the backlog's lag.") }
    static var outboxDisabled: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "outbox_endpoint", unitName: "disabled",
        helpText: "1 while an endpoint is disabled by a 410 Gone.") }

    /// The outbox gauges, read when scraped; the delivered and failure counters and the lag
    /// histogram (`relais_outbox_delivered_total`, `relais_outbox_failures_total`,
    /// `relais_outbox_lag_seconds`) are recorded by the outbox service.
    func recordOutbox(_ endpoints: [OutboxEndpointReply]) {
        for endpoint in endpoints {
            let labels = [("endpoint", endpoint.name)]
            registry.makeGauge(descriptor: Self.outboxPending, labels: labels).set(Double(endpoint.pending))
            registry.makeGauge(descriptor: Self.outboxDead, labels: labels).set(Double(endpoint.dead))
            let oldest: Double = endpoint.oldestPendingSeconds ?? 0
            let disabled: Double = endpoint.state == "disabled" ? 1 : 0
            registry.makeGauge(descriptor: Self.outboxOldest, labels: labels).set(oldest)
            registry.makeGauge(descriptor: Self.outboxDisabled, labels: labels).set(disabled)
        }
    }
}
