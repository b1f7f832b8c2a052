import Foundation
import RelaisAggregation
import RelaisBooking
import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisOrders
import RelaisRecords
import RelaisStore
import RelaisSandbox
import Synchronization

/// A store with decided shipments, and a booking stage pointed at the sandbox.
struct BookingRig {
    let directory: URL
    let store: RecordStore
    let policy: Policy

    /// - Parameter exclude: carriers or services the policy must not choose (to steer decisions).
    init(exclude: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-booking-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try RecordStore(path: directory.appendingPathComponent("relais.sqlite").path)
        var text = try String(contentsOf: Fixtures.repository.appendingPathComponent("policies/default.toml"), encoding: .utf8)
        let list = exclude.map { "\"\($0)\"" }.joined(separator: ", ")
        text = text.replacingOccurrences(of: "exclude = []", with: "exclude = [\(list)]")
        policy = try PolicyLoader.load(text: text, file: "default.toml", panel: Fixtures.panel.panel)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    var labels: String { directory.appendingPathComponent("labels").path }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func orderJSON(id: String, postcode: String = "75011", city: String = "Paris") -> String {
        """
        {"id": "\(id)", "site": "lyon-dc", "ready_at": "2026-01-05T10:15:00+01:00",
         "service_level": "standard", "delivery_mode": "home",
         "recipient": {"name": "Camille Martin", "street": ["12 rue \(id)"], "postcode": "\(postcode)", "city": "\(city)",
                       "country": "FR"},
         "parcels": [{"weight_kg": 1.2, "length_cm": 30, "width_cm": 20, "height_cm": 10}]}
        """
    }

    /// Accepts `count` orders and decides them into as many queued shipments.
    @discardableResult
    func makeShipments(_ count: Int, prefix: String = "o", postcode: String = "75011", city: String = "Paris") async throws
        -> [String]
    {
        var ids: [String] = []
        var start = 0
        while start < count {
            let end = min(count, start + 2000)
            let incoming = (start..<end).map { index in
                let decoded = OrderDecoder().decode(Data(Self.orderJSON(id: "\(prefix)-\(index)", postcode: postcode, city: city).utf8)).orders[0]
                return IncomingOrder(order: decoded.order, canonicalJSON: decoded.canonicalJSON)
            }
            _ = try await store.accept(incoming, source: "test", now: Self.now())
            start = end
        }
        let aggregation = AggregationStage(
            store: store, engine: DecisionEngine(panel: Fixtures.panel.panel, policy: policy), sites: [Fixtures.lyon],
            windowSeconds: 0, batchSize: 20_000)
        while ids.count < count {
            let report = try await aggregation.runOnce(now: Self.now())
            if report.created.isEmpty { break }
            ids += report.created
        }
        return ids
    }

    static func settings() -> DaemonConfig.Booking {
        var settings = DaemonConfig.Booking()
        settings.minimumBackoffSeconds = 0.05
        settings.maximumBackoffSeconds = 0.2
        settings.breakerOpenSeconds = 0.3
        settings.breakerThreshold = 3
        settings.reconcileIntervalSeconds = 0.2
        return settings
    }

    func stage(sandbox url: String, http: CarrierHTTP, timeout: Double = 15, settings: DaemonConfig.Booking = BookingRig.settings())
        throws -> BookingStage
    {
        let adapters = Dictionary(
            uniqueKeysWithValues: Fixtures.panel.carriers.map { loaded in
                (loaded.carrier.id, Fixtures.adapter(loaded.carrier.id, sandbox: url, http: http, timeout: timeout))
            })
        return try BookingStage(store: store, adapters: adapters, sites: [Fixtures.lyon], settings: settings, labelsDirectory: labels)
    }

    /// Runs `stage` until `done` holds for the queue counts (or `seconds` pass), then stops
    /// it gracefully.
    func run(
        _ stage: BookingStage, seconds: Double = 30, during: @escaping @Sendable () async throws -> Void = {},
        until done: @escaping @Sendable ([ShipmentState: Int]) -> Bool
    ) async throws {
        let stop = StopFlag()
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await stage.run(pollMilliseconds: 10) { stop.isSet } }
            group.addTask {
                try await during()
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline {
                    if done(try await store.queueCounts()) { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                stop.set()
            }
            try await group.waitForAll()
        }
    }

    func carrier(of shipment: String) async throws -> String? { try await store.shipment(id: shipment)?.carrier }
}

extension [ShipmentState: Int] {
    func count(_ state: ShipmentState) -> Int { self[state] ?? 0 }
    var unfinished: Int { count(.queued) + count(.booking) + count(.deferred) }
}

/// A flag one task sets and another polls.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
