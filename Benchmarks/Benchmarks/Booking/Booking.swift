import Benchmark
import Foundation
import GRDB
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

/// SPEC §11: ≥ 2,000 durable bookings per second end to end against the sandbox on
/// loopback, on 2 cores — relais-sandbox runs in the same process and shares them.
///
/// Each iteration records 5,000 orders, decides them into 5,000 queued shipments (not
/// measured), then measures the booking stage until every one is booked: claims, SOAP and
/// REST-XML requests rendered from the shipped carriers' templates, replies parsed with
/// libxml2, labels written and flushed, outcomes committed with synchronous=FULL.
let benchmarks: @Sendable () -> Void = {
    let shipments = 5_000
    let bookingsPerSecond = BenchmarkMetric.custom("bookings per second", polarity: .prefersLarger, useScalingFactor: false)
    let p50 = BenchmarkMetric.custom("queued → booked p50 (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    let p99 = BenchmarkMetric.custom("queued → booked p99 (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    let callP99 = BenchmarkMetric.custom("call start → booked commit p99 (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, bookingsPerSecond, p50, p99, callP99], maxDuration: .seconds(120), maxIterations: 6)

    let environment = Environment()
    Benchmark("book 5,000 shipments against the sandbox, durably", configuration: .init(setup: { try await environment.start() })) {
        benchmark in
        let run = try await environment.prepare(shipments: shipments)
        let stop = StopFlag()
        let started = Date()
        benchmark.startMeasurement()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await run.stage.run { stop.isSet } }
            while try await run.store.queueCounts()[.booked] ?? 0 < shipments {
                try await Task.sleep(for: .milliseconds(2))
            }
            stop.set()
            try await group.waitForAll()
        }
        benchmark.stopMeasurement()
        let elapsed = Date().timeIntervalSince(started)
        benchmark.measurement(bookingsPerSecond, Int(Double(shipments) / elapsed))
        let latencies = try await run.latencies()
        benchmark.measurement(p50, latencies.queued[latencies.queued.count / 2])
        benchmark.measurement(p99, latencies.queued[latencies.queued.count * 99 / 100])
        benchmark.measurement(callP99, latencies.call[latencies.call.count * 99 / 100])
        // The run's directory is left in place: deleting thousands of label files makes ext4
        // scan recently freed inodes on every file created for minutes afterwards, which
        // would measure the cleanup, not the booking. Remove /tmp/relais-bench-booking-* after.
    }

    statusWhileBooking(environment, shipments: shipments)
    optionsLatency(environment, shipments: shipments)
}

/// The sandbox, started once; a fresh store per iteration.
final class Environment: Sendable {
    private let url = Mutex<String?>(nil)
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let http = CarrierHTTP(connectionsPerHost: 256)

    func start() async throws {
        guard url.withLock({ $0 }) == nil else { return }
        let sandbox = try Sandbox(carriersDirectory: repository.appendingPathComponent("carriers").path)
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        // The benchmark harness has no service group: the sandbox lives for the process.
        Task { try await sandbox.run(port: 0) { continuation.yield($0) } }
        var iterator = urls.makeAsyncIterator()
        let bound = await iterator.next()
        url.withLock { $0 = bound }
    }

    struct Run: Sendable {
        let directory: URL
        let store: RecordStore
        let stage: BookingStage

        /// Milliseconds from queued (shipment created) to booked, and from the booking call's
        /// start to the commit that recorded it, sorted.
        func latencies() async throws -> (queued: [Int], call: [Int]) {
            // A reader of its own: the store keeps its connections to itself.
            let reader = try DatabaseQueue(path: directory.appendingPathComponent("relais.sqlite").path)
            return try await reader.read { db in
                let queued = try Int.fetchAll(db, sql: "SELECT booked_at - created_at FROM shipments WHERE state = 'booked' ORDER BY 1")
                let call = try Int.fetchAll(
                    db,
                    sql: """
                        SELECT s.booked_at - a.started_at FROM shipments s JOIN booking_attempts a
                        ON a.shipment_id = s.id AND a.outcome = 'booked' ORDER BY 1
                        """)
                return (queued, call)
            }
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    func prepare(shipments: Int) async throws -> Run {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-bench-booking-\(UUID().uuidString)")
        let store = try RecordStore(path: directory.appendingPathComponent("relais.sqlite").path)
        let panel = try PanelLoader.load(directory: repository.appendingPathComponent("carriers").path)
        let policy = try PolicyLoader.load(
            text: String(contentsOf: repository.appendingPathComponent("policies/default.toml"), encoding: .utf8),
            file: "default.toml", panel: panel.panel)
        let site = Site(
            id: "lyon-dc", name: "Entrepôt Lyon Gerland", street: ["10 avenue Tony Garnier"], postcode: "69007", city: "Lyon",
            country: "FR", coordinate: Coordinate(lat: 45.7323, lon: 4.8283), timeZone: TimeZone(identifier: "Europe/Paris")!)
        let destinations = [("75011", "Paris"), ("13001", "Marseille"), ("69003", "Lyon"), ("33000", "Bordeaux"), ("20000", "Ajaccio")]
        let decoder = OrderDecoder(knownSites: ["lyon-dc"])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let text: String = (0..<shipments).map { index in
            let (postcode, city) = destinations[index % destinations.count]
            let mode = index % 3 == 0 ? "relay" : "home"
            return """
                {"id": "B-\(index)", "site": "lyon-dc", "ready_at": "2026-01-05T10:15:00+01:00", "service_level": "standard", \
                "delivery_mode": "\(mode)", \(mode == "relay" ? "\"relay_point\": \"RP-\(index % 97)\"," : "") \
                "recipient": {"name": "Client \(index)", "street": ["\(index) rue de la Paix"], "postcode": "\(postcode)", \
                "city": "\(city)", "country": "FR"}, \
                "parcels": [{"weight_kg": \(1 + index % 5), "length_cm": 30, "width_cm": 20, "height_cm": 10}]}
                """
        }.joined(separator: "\n")
        let batch = decoder.decode(Data(text.utf8))
        _ = try await store.accept(batch.orders.map { IncomingOrder(order: $0.order, canonicalJSON: $0.canonicalJSON) }, source: "bench", now: now)
        let aggregation = AggregationStage(
            store: store, engine: DecisionEngine(panel: panel.panel, policy: policy), sites: [site], windowSeconds: 0, batchSize: shipments)
        _ = try await aggregation.runOnce(now: now)

        // Relais's own capacity, not the carriers' contracts: each carrier's max_in_flight is
        // raised to 32 and its rate limit lifted.
        var settings = DaemonConfig.Booking()
        settings.sandboxURL = url.withLock { $0 }
        settings.credentialsDirectory = directory.appendingPathComponent("credentials").path
        try FileManager.default.createDirectory(atPath: settings.credentialsDirectory, withIntermediateDirectories: true)
        var loaded: [LoadedCarrier] = []
        for var carrier in panel.carriers {
            carrier.api?.maxInFlight = 32
            carrier.api?.ratePerSecond = nil
            let credentials = repository.appendingPathComponent("carriers/\(carrier.carrier.id)/sandbox/credentials")
            try? FileManager.default.copyItem(
                atPath: credentials.path, toPath: "\(settings.credentialsDirectory)/\(carrier.carrier.id)")
            loaded.append(carrier)
        }
        let adapters = try CarrierAdapters.make(panel: LoadedPanel(carriers: loaded), settings: settings, http: http, environment: [:])
        let stage = try BookingStage(
            store: store, adapters: adapters, sites: [site], settings: settings,
            labelsDirectory: directory.appendingPathComponent("labels").path)
        return Run(directory: directory, store: store, stage: stage)
    }
}

final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
