import Synchronization

/// Every booking the sandbox carriers accepted, queryable so that tests prove there was no
/// double booking: a reference booked twice appears twice.
public final class SandboxLedger: Sendable {
    public struct Entry: Hashable, Sendable, Codable {
        public var carrier: String
        public var reference: String
        public var service: String?
        public var trackingNumber: String
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    func record(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    public var all: [Entry] { entries.withLock { $0 } }

    /// Bookings under `reference` at `carrier`, or at every carrier.
    public func bookings(reference: String, carrier: String? = nil) -> [Entry] {
        entries.withLock { $0.filter { $0.reference == reference && (carrier == nil || $0.carrier == carrier) } }
    }

    /// References booked more than once, across all carriers.
    public var doubleBookings: [String: Int] {
        entries.withLock { entries in
            var counts: [String: Int] = [:]
            for entry in entries { counts[entry.reference, default: 0] += 1 }
            return counts.filter { $0.value > 1 }
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
