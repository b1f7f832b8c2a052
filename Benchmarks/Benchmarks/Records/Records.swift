import Benchmark
import Foundation
import GRDB
import RelaisOrders
import RelaisRecords
import RelaisStore

/// SPEC §11: intake ≥ 20,000 orders/s into SQLite, durably; status and lookups that stay
/// fast with 1,000,000 shipments in the database.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .cpuTotal], maxDuration: .seconds(10), maxIterations: 200)

    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("relais-bench-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.removeItem(at: scratch)

    // Durable intake: decode (parse + validate) and commit batches of 1,000 orders, one
    // fsync'd transaction per batch (synchronous=FULL).
    let intakeStore = try! RecordStore(path: scratch.appendingPathComponent("intake/relais.sqlite").path)
    let decoder = OrderDecoder(knownSites: ["lyon-dc"])
    let counter = Counter()
    Benchmark("intake: decode + durable commit, batches of 1,000 orders", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let base = counter.next(1000)
        let file = (0..<1000).map { order(id: "I-\(base + $0)", n: base + $0) }.joined(separator: "\n")
        benchmark.startMeasurement()
        let batch = decoder.decode(Data(file.utf8))
        let incoming = batch.orders.map { IncomingOrder(order: $0.order, canonicalJSON: $0.canonicalJSON) }
        let outcomes = try await intakeStore.accept(incoming, source: "bench", now: 1)
        precondition(outcomes.count == 1000 && outcomes.allSatisfy { $0 == .accepted })
    }

    let sample = (0..<1000).map { order(id: "D-\($0)", n: $0) }.joined(separator: "\n")
    Benchmark("intake: decode only (parse, validate, canonical form), 1,000 orders", configuration: .init(scalingFactor: .kilo)) { benchmark in
        blackHole(decoder.decode(Data(sample.utf8)))
    }

    // A database of 1,000,000 shipments, seeded directly in SQL, once, by the first
    // benchmark that needs it (the seeding takes tens of seconds).
    let bigPath = scratch.appendingPathComponent("big/relais.sqlite").path
    let bigStore = try! RecordStore(path: bigPath)
    let seedOnce: @Sendable () async throws -> Void = { try seed(path: bigPath, shipments: 1_000_000) }

    Benchmark(
        "status: queue counts, 1,000,000 shipments", configuration: .init(scalingFactor: .kilo, setup: seedOnce)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await bigStore.queueCounts())
        }
    }

    Benchmark(
        "lookup: shipment by id, 1,000,000 shipments", configuration: .init(scalingFactor: .kilo, setup: seedOnce)
    ) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try await bigStore.shipment(id: "S-\((index &* 7919) % 1_000_000 + 1)"))
        }
    }
}

final class Counter: @unchecked Sendable {
    // Safety: benchmarks run one iteration at a time on one task.
    private var value = 0
    func next(_ step: Int) -> Int {
        defer { value += step }
        return value
    }
}

func order(id: String, n: Int) -> String {
    """
    {"id": "\(id)", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00", "service_level": "standard", \
    "delivery_mode": "home", "recipient": {"name": "Client \(n)", "street": ["\(n % 200) rue de la Roquette"], \
    "postcode": "75011", "city": "Paris", "country": "FR", "lat": 48.853, "lon": 2.372}, \
    "parcels": [{"weight_kg": \(1 + n % 7), "length_cm": 30, "width_cm": 20, "height_cm": 10}], \
    "value": {"amount": "59.90", "currency": "EUR"}, "tags": ["bench"]}
    """
}

/// Inserts `shipments` rows (with one order each) in one transaction, states spread like a
/// busy day, through the store's schema.
func seed(path: String, shipments: Int) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shipments") ?? 0
        guard existing < shipments else { return }
        let states = ["booked", "booked", "booked", "booked", "booked", "booked", "queued", "deferred", "held", "failed"]
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO shipments (id, seq, state, site, consolidation_key, created_at, updated_at, next_attempt_at,
                    carrier, service, price_minor, currency, eta, co2e_g)
                VALUES (?, ?, ?, 'lyon-dc', ?, ?, ?, ?, 'dpd', 'PREDICT', 809, 'EUR', '2026-11-24', 172.7)
                """)
        let order = try db.makeStatement(
            sql: """
                INSERT INTO orders (id, site, content_sha256, body, ready_at, consolidation_key, received_at, source, shipment_id)
                VALUES (?, 'lyon-dc', ?, '{}', 0, ?, 0, 'seed', ?)
                """)
        for n in (existing + 1)...shipments {
            let id = "S-\(n)"
            let state = states[n % states.count]
            try insert.execute(arguments: [id, n, state, "k\(n)", n, n, state == "queued" || state == "deferred" ? n : nil])
            try order.execute(arguments: ["O-\(n)", "sha\(n)", "k\(n)", id])
        }
    }
}
