import Synchronization

/// Every booking the sandbox carriers accepted, queryable so that tests prove there was no
/// double booking: a reference booked twice appears twice.
///
/// Indexed by reference and by tracking number: the sandbox answers lookups and label
/// fetches from it on every request, and a benchmark books tens of thousands.
public final class SandboxLedger: Sendable {
    public struct Entry: Hashable, Sendable, Codable {
        public var carrier: String
        public var reference: String
        public var service: String?
        public var trackingNumber: String
        /// When the sandbox booked it, milliseconds since the epoch: where its journey starts.
        public var bookedAtMilliseconds: Int64

        public init(carrier: String, reference: String, service: String?, trackingNumber: String, bookedAtMilliseconds: Int64) {
            self.carrier = carrier
            self.reference = reference
            self.service = service
            self.trackingNumber = trackingNumber
            self.bookedAtMilliseconds = bookedAtMilliseconds
        }
    }

    private struct Book {
        var entries: [Entry] = []
        /// Positions in `entries`, in booking order.
        var byReference: [String: [Int]] = [:]
        /// Positions in `entries` by tracking number.
        var tracking: [TrackingKey: Int] = [:]
    }

    private struct TrackingKey: Hashable {
        var carrier: String
        var trackingNumber: String
    }

    private let book = Mutex(Book())

    public init() {}

    func record(_ entry: Entry) {
        book.withLock { book in
            book.byReference[entry.reference, default: []].append(book.entries.count)
            book.tracking[TrackingKey(carrier: entry.carrier, trackingNumber: entry.trackingNumber)] = book.entries.count
            book.entries.append(entry)
        }
    }

    public var all: [Entry] { book.withLock { $0.entries } }

    /// Bookings under `reference` at `carrier`, or at every carrier, in booking order.
    public func bookings(reference: String, carrier: String? = nil) -> [Entry] {
        book.withLock { book in
            (book.byReference[reference] ?? []).map { book.entries[$0] }.filter { carrier == nil || $0.carrier == carrier }
        }
    }

    /// Whether `carrier` issued `trackingNumber`.
    public func contains(carrier: String, trackingNumber: String) -> Bool {
        entry(carrier: carrier, trackingNumber: trackingNumber) != nil
    }

    /// The booking `carrier` issued `trackingNumber` for, if any.
    public func entry(carrier: String, trackingNumber: String) -> Entry? {
        book.withLock { book in
            book.tracking[TrackingKey(carrier: carrier, trackingNumber: trackingNumber)].map { book.entries[$0] }
        }
    }

    /// References booked more than once, across all carriers.
    public var doubleBookings: [String: Int] {
        book.withLock { $0.byReference.filter { $0.value.count > 1 }.mapValues(\.count) }
    }

    public var count: Int { book.withLock { $0.entries.count } }
}
