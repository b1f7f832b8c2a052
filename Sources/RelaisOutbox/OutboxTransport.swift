import RelaisRecords
import RelaisStore

/// One kind of endpoint: makes one delivery attempt and says what it came to.
///
/// - Important: `.delivered` only once the event is durable at the endpoint (a spool file
///   fsync'd and renamed, a webhook answered 2xx): the store then records it delivered.
public protocol OutboxTransport: Sendable {
    func deliver(_ delivery: OutboxDelivery, now: Int64) async -> DeliverySchedule.Outcome
}
