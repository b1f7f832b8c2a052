/// Which way a shipment travels (SPEC §14): out to the customer, or back from them to a
/// site. A service carries one direction: return services are never chosen for outbound
/// shipments, nor the reverse.
public enum Direction: String, CaseIterable, Codable, Hashable, Sendable {
    case outbound
    case `return`
}
