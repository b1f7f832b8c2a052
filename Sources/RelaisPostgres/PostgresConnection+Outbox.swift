import Logging
import PostgresNIO
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// What an outbox event (SPEC §12) is about: a shipment, whose reply is read in the
/// transaction that announces it, or a manifest, given whole.
enum OutboxSubject: Sendable {
    case shipment(String)
    case manifest(ManifestRecord)
}

extension PostgresConnection {
    /// Appends an outbox event in the caller's transaction, for the writes that announce a
    /// change outside ``applyEvent(_:to:actor:now:nextAttemptAt:detail:logger:)`` (which
    /// reads its endpoints with its update): `shipment.held` for a return decided on nothing,
    /// `manifest.closed`; as the SQLite store's `writeOutboxEvent` does.
    func appendOutboxEvent(_ type: OutboxEventType, about subject: OutboxSubject, now: Int64, logger: Logger) async throws {
        switch subject {
        case .shipment(let id): try await writeOutboxEvent(type, shipment: id, now: now, logger: logger)
        case .manifest(let record): try await writeOutboxEvent(type, data: ManifestReply(record), now: now, logger: logger)
        }
    }
}
