import RelaisConfig

/// One carrier as the sandbox plays it: its API (from carrier.toml) and its replies (from
/// sandbox.toml).
struct SandboxCarrier: Sendable {
    var id: String
    var api: CarrierAPISettings
    var definition: SandboxDefinition

    /// The operation served at `path` (below `/<carrier id>`), if any.
    func operation(method: String, path: String) -> CarrierOperation? {
        api.operations.values.first { $0.path == path && $0.method == method }
    }

    /// Whether the carrier speaks SOAP, and which version (for fault codes).
    var soap: CarrierOperation.SOAPVersion? { api.book?.soap }
}
