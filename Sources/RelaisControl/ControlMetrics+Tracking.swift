import Prometheus
import RelaisCore
import RelaisStore

extension ControlMetrics {
    static var trackingShipments: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "tracking", unitName: "shipments",
        helpText: "Tracked shipments by tracking status (SPEC §13; none before the first event).") }
    static var trackingUnmapped: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "relais", metricName: "tracking_unmapped_events", unitName: "total",
        helpText: "Carrier events whose code carrier.toml [api.track.statuses] does not map, by carrier: what to map.") }

    /// The tracking gauges, read from the store's counts when scraped.
    func recordTracking(_ counts: TrackingCounts) {
        for status in ["none"] + TrackingStatus.allCases.map(\.rawValue) {
            registry.makeGauge(descriptor: Self.trackingShipments, labels: [("status", status)])
                .set(Double(counts.byStatus[status] ?? 0))
        }
        for (carrier, count) in counts.unmappedEvents {
            registry.makeGauge(descriptor: Self.trackingUnmapped, labels: [("carrier", carrier)]).set(Double(count))
        }
    }
}
