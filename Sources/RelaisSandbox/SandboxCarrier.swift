import RelaisConfig

/// One carrier as the sandbox plays it: its API (from carrier.toml) and its replies (from
/// sandbox.toml).
struct SandboxCarrier: Sendable {
    var id: String
    var api: CarrierAPISettings
    var definition: SandboxDefinition

    /// The operations served at `path` (below `/<carrier id>`), in name order: several may
    /// share one SOAP endpoint.
    func operations(method: String, path: String) -> [CarrierOperation] {
        api.operations.values.filter { $0.path == path && $0.method == method }.sorted { $0.name < $1.name }
    }

    /// Whether the carrier speaks SOAP, and which version (for fault codes).
    var soap: CarrierOperation.SOAPVersion? { api.book?.soap }
}
