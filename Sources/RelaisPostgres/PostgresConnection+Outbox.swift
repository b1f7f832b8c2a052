import Logging
import PostgresNIO
import RelaisCore
import RelaisStore

/// What an outbox event (SPEC §12) is about: a shipment, whose reply is read in the
/// transaction that announces it, or a manifest, given whole.
enum OutboxSubject: Sendable {
    case shipment(String)
    case manifest(ManifestRecord)
}

extension PostgresConnection {
    /// Appends an outbox event in the caller's transaction: the one place where the
    /// PostgreSQL store's writes announce a change to the shop (`shipment.*` from
    /// ``applyEvent(_:to:actor:now:nextAttemptAt:detail:logger:)``, `return.booked`,
    /// `shipment.held` for a return decided on nothing, `manifest.closed`), as the SQLite
    /// store's `writeOutboxEvent` does.
    ///
    /// - Important: The outbox's tables are OutboxLog's (PostgreSQL migration v4, ported on
    ///   its own branch). Until they are connected here this writes nothing, and that loses
    ///   nothing: relaisd refuses `[outbox]` and `[[webhook]]` on a store that is no
    ///   ``OutboxLog``, so no endpoint exists to miss an event. Connect the outbox here,
    ///   and every caller announces in its own transaction.
    func appendOutboxEvent(_ type: OutboxEventType, about subject: OutboxSubject, now: Int64, logger: Logger) async throws {}
}
