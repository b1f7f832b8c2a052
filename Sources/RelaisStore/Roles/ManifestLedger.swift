import RelaisCore

/// End-of-day manifests (SPEC §14): which booked shipments wait for one, the close begun as
/// a durable intent, finished once its files are written and its carrier has answered.
///
/// A role of its own, answered by SQLite and by PostgreSQL (several nodes: one manifest per
/// carrier × site × pickup date, a `closing` one finished by one node at a time).
///
/// - Important: ``beginManifest(carrier:site:pickupDate:now:)`` writes the manifest
///   `closing` with its shipments before any carrier call or file: a crash leaves it
///   `closing`, and the start-up finishes it with the same shipments (``closingManifests()``),
///   never a second manifest for them.
public protocol ManifestLedger: Sendable {
    /// Carrier × site pairs with booked shipments on no manifest (and no cancel pending).
    func unmanifested() async throws -> [UnmanifestedGroup]
    /// The latest pickup date closed (or closing) for `carrier` at `site`.
    func lastManifestDate(carrier: String, site: String) async throws -> CivilDate?
    /// Begins the close of `carrier` × `site` for `pickupDate`: the manifest `closing`, every
    /// booked shipment of the pair on no manifest (a cancel pending left out) put on it,
    /// in one transaction. A manifest of the pair still `closing` is returned instead, to
    /// be finished first.
    /// - Throws: ``StoreError`` refused when nothing waits, or the date is already closed.
    func beginManifest(carrier: String, site: String, pickupDate: CivilDate, now: Instant) async throws -> ManifestRecord
    /// Closes it: files and carrier reference recorded, `manifest.closed` in the outbox.
    func finishManifest(_ id: String, csvPath: String, documentPath: String?, carrierReference: String?, now: Instant) async throws
        -> ManifestRecord
    /// Manifests still `closing`: cut short by a crash, finished at start-up.
    func closingManifests() async throws -> [ManifestRecord]
    /// The `closing` manifests this process should finish now. One process alone: all of
    /// them. Several nodes on one store: this node's own, and those whose node's lease ran
    /// out, each taken for this node, so that two nodes never finish one at once.
    func closingManifests(now: Instant) async throws -> [ManifestRecord]
    /// Manifests for `pickupDate` (all when nil), newest first.
    func manifests(pickupDate: CivilDate?, limit: Int) async throws -> [ManifestRecord]
}

extension ManifestLedger {
    /// One process alone: every `closing` manifest is its own to finish.
    public func closingManifests(now: Instant) async throws -> [ManifestRecord] { try await closingManifests() }
}
