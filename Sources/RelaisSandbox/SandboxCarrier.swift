import RelaisConfig
import RelaisXML

/// One carrier as the sandbox plays it: its API (from carrier.toml) and its replies (from
/// sandbox.toml).
struct SandboxCarrier: Sendable {
    var id: String
    var api: CarrierAPISettings
    var definition: SandboxDefinition

    /// The operation served at `path` (below `/<carrier id>`), if any. Several may share one
    /// SOAP endpoint; the request's element under the Body says which: sandbox.toml's
    /// `manifest.request` for the manifest, else the operation whose SOAP action (or name)
    /// ends with the element's name, else the first by name.
    func operation(method: String, path: String, body: [UInt8] = []) -> CarrierOperation? {
        let candidates = api.operations.values.filter { $0.path == path && $0.method == method }.sorted { $0.name < $1.name }
        guard candidates.count > 1 else { return candidates.first }
        let marker = definition.manifest?.request
        let others = marker == nil ? candidates : candidates.filter { $0.name != "manifest" }
        guard let root = try? XML.parse(body) else { return others.first }
        let element = root.child("Body")?.children.first ?? root
        if let marker, element.name == marker { return candidates.first { $0.name == "manifest" } }
        return others.first { ($0.soapAction ?? $0.name).hasSuffix(element.name) } ?? others.first
    }

    /// Whether the carrier speaks SOAP, and which version (for fault codes).
    var soap: CarrierOperation.SOAPVersion? { api.book?.soap }
}
