import RelaisConfig
import RelaisXML

/// One carrier as the sandbox plays it: its API (from carrier.toml) and its replies (from
/// sandbox.toml).
struct SandboxCarrier: Sendable {
    var id: String
    var api: CarrierAPISettings
    var definition: SandboxDefinition

    /// The operation served at `path` (below `/<carrier id>`), if any. Where the manifest
    /// shares its path with another operation (SOAP services on one endpoint), the request's
    /// element under the Body says which: sandbox.toml's `manifest.request`.
    func operation(method: String, path: String, body: [UInt8] = []) -> CarrierOperation? {
        let candidates = api.operations.values.filter { $0.path == path && $0.method == method }
        guard candidates.count > 1, let marker = definition.manifest?.request else {
            return candidates.sorted { $0.name < $1.name }.first
        }
        let root = try? XML.parse(body)
        let element = root.flatMap { $0.child("Body")?.children.first ?? $0 }
        let wanted = element?.name == marker ? "manifest" : nil
        return candidates.first { wanted == nil ? $0.name != "manifest" : $0.name == wanted }
    }

    /// Whether the carrier speaks SOAP, and which version (for fault codes).
    var soap: CarrierOperation.SOAPVersion? { api.book?.soap }
}
