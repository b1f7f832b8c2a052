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
        /// Cancelled by the carrier's cancel operation: the booking is void.
        public var void: Bool = false
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
        /// Manifests taken over, by carrier and sorted parcels: their numbers.
        var manifests: [ManifestKey: String] = [:]
    }

    private struct ManifestKey: Hashable {
        var carrier: String
        var parcels: [String]
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
        book.withLock { $0.tracking[TrackingKey(carrier: carrier, trackingNumber: trackingNumber)] != nil }
    }

    /// The booking `carrier` issued `trackingNumber` for, if any.
    public func entry(carrier: String, trackingNumber: String) -> Entry? {
        book.withLock { book in
            book.tracking[TrackingKey(carrier: carrier, trackingNumber: trackingNumber)].map { book.entries[$0] }
        }
    }

    /// Marks the booking void, as the carrier's cancel does. - Returns: false when `carrier`
    /// never issued `trackingNumber`.
    func void(carrier: String, trackingNumber: String) -> Bool {
        book.withLock { book in
            guard let index = book.tracking[TrackingKey(carrier: carrier, trackingNumber: trackingNumber)] else { return false }
            book.entries[index].void = true
            return true
        }
    }

    /// References booked more than once, across all carriers.
    public var doubleBookings: [String: Int] {
        book.withLock { $0.byReference.filter { $0.value.count > 1 }.mapValues(\.count) }
    }

    public var count: Int { book.withLock { $0.entries.count } }

    /// The number of the manifest of `parcels` at `carrier`: the one given before for the
    /// same parcels, else a new one from `newNumber`.
    func manifest(carrier: String, parcels: [String], newNumber: () -> String) -> String {
        book.withLock { book in
            let key = ManifestKey(carrier: carrier, parcels: parcels.sorted())
            if let number = book.manifests[key] { return number }
            let number = newNumber()
            book.manifests[key] = number
            return number
        }
    }

    /// Manifests taken over per carrier: a close redone after a crash must not add one.
    public func manifestCount(carrier: String) -> Int {
        book.withLock { book in book.manifests.keys.filter { $0.carrier == carrier }.count }
    }
}
