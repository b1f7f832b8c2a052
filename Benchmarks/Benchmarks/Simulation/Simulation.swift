import Benchmark
import Foundation
import RelaisAggregation
import RelaisConfig
import RelaisCore
import RelaisOrders
import RelaisRecords
import RelaisStore
import RelaisReports

/// Issue 6 target: `relaisctl simulate` replays 1,000,000 recorded shipments against a
/// 10-service panel in under 30 s on 2 cores.
///
/// The history is recorded the way relaisd records it: 10,000 orders a day for 100 days,
/// accepted by the store and decided by the aggregation stage under the shipped default
/// policy (10-service panel: the shipped one without colissimo/DOS). It is built once and
/// kept in the temporary directory (it takes a few minutes and about 2 GB); delete
/// `relais-bench-simulate/` to rebuild. The replay uses the default policy with a carbon
/// price five times higher (0.50 € per kg), which moves part of the history.
let benchmarks: @Sendable () -> Void = {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let loaded = try! PanelLoader.load(directory: repository.appendingPathComponent("carriers").path)
    var carriers = loaded.panel.carriers
    let colissimo = carriers.firstIndex { $0.id == "colissimo" }!
    carriers[colissimo].services.removeAll { $0.code == "DOS" }
    let panel = CarrierPanel(carriers: carriers)
    precondition(panel.serviceKeys.count == 10)
    let config = try! DaemonConfigLoader.load(file: repository.appendingPathComponent("systemd/relais.toml").path)
    let policyText = try! String(contentsOf: repository.appendingPathComponent("policies/default.toml"), encoding: .utf8)
    let recordedPolicy = try! PolicyLoader.load(text: policyText, file: "default.toml", panel: panel)
    let newPolicy = try! PolicyLoader.load(
        text: policyText.replacingOccurrences(of: "per_kg_co2e = 0.10", with: "per_kg_co2e = 0.50"), file: "carbon.toml",
        panel: panel)
    precondition(newPolicy.sha256 != recordedPolicy.sha256)

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relais-bench-simulate")
    let database = directory.appendingPathComponent("relais.sqlite").path
    let days = 100
    let perDay = 10_000
    let record: @Sendable () async throws -> Void = {
        try await recordHistory(
            path: database, days: days, perDay: perDay, engine: DecisionEngine(panel: panel, policy: recordedPolicy),
            sites: config.sites)
    }

    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident], maxIterations: 3)

    Benchmark(
        "simulate: replay 1,000,000 recorded shipments, 10-service panel",
        configuration: .init(scalingFactor: .one, maxDuration: .seconds(120), setup: record)
    ) { benchmark in
        let simulation = PolicySimulation(engine: DecisionEngine(panel: panel, policy: newPolicy), sites: config.sites)
        let report = try await simulation.run(
            history: SQLiteHistory(path: database),
            period: ReportPeriod(first: nil, last: nil, timeZone: config.sites[0].timeZone))
        precondition(report.shipments == days * perDay, "replayed \(report.shipments)")
        blackHole(report)
    }
}

/// Records `days` × `perDay` orders through the store and the aggregation stage, unless
/// the database already holds them.
func recordHistory(path: String, days: Int, perDay: Int, engine: DecisionEngine, sites: [Site]) async throws {
    let store = try RecordStore(path: path)
    let existing = try await store.queueCounts().values.reduce(0, +)
    if existing >= days * perDay { return }
    precondition(existing == 0, "remove \(path): a partial history")
    let stage = AggregationStage(store: store, engine: engine, sites: sites, windowSeconds: 0, batchSize: 10_000)
    let decoder = OrderDecoder(knownSites: Set(sites.map(\.id)))
    let start = CivilDate(year: 2026, month: 8, day: 3)
    var n = 0
    for day in 0..<days {
        let date = start.adding(days: day)
        let noon = Int64(date.dayNumber) * 86_400_000 + 11 * 3_600_000
        for chunk in stride(from: 0, to: perDay, by: 5_000) {
            let lines = (chunk..<min(perDay, chunk + 5_000)).map { _ -> String in
                n += 1
                return order(n, date: date, sites: sites)
            }
            let batch = decoder.decode(Data(lines.joined(separator: "\n").utf8))
            precondition(batch.rejections.isEmpty, "\(batch.rejections.first!)")
            _ = try await store.accept(
                batch.orders.map { IncomingOrder(order: $0.order, canonicalJSON: $0.canonicalJSON) }, source: "bench", now: noon)
        }
        while try await !stage.runOnce(now: noon).created.isEmpty {}
        if day % 10 == 9 { print("recorded \(n) orders") }
    }
    try await store.checkpoint()
}

/// A deterministic, varied order: destinations across France, Corsica and Belgium, with
/// and without coordinates, home and relay, one to three parcels, most with a promise.
func order(_ n: Int, date: CivilDate, sites: [Site]) -> String {
    let destinations: [(String, String, Double, Double)] = [
        ("FR", "75011", 48.853, 2.372), ("FR", "69002", 45.760, 4.835), ("FR", "33000", 44.838, -0.575),
        ("FR", "20000", 41.919, 8.738), ("FR", "13001", 43.297, 5.381), ("BE", "1000", 50.85, 4.35),
        ("FR", "59000", 50.629, 3.057), ("FR", "31000", 43.604, 1.444),
    ]
    var state = UInt64(n) &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
    let destination = destinations[next(destinations.count)]
    let relay = next(4) == 0
    let coordinates = next(2) == 0 ? ", \"lat\": \(destination.2), \"lon\": \(destination.3)" : ""
    let parcels = (0...next(3)).map { _ in
        "{\"weight_kg\": \(Double(next(1500) + 10) / 100), \"length_cm\": \(next(50) + 10), \"width_cm\": \(next(30) + 10), \"height_cm\": \(next(20) + 5)}"
    }
    let promise = next(3) == 0 ? "" : "\"promised_by\": \"\(date.adding(days: next(5) + 2))\", "
    let hour = 8 + next(10)
    return """
        {"id": "H-\(n)", "site": "\(sites[next(sites.count)].id)", "ready_at": "\(date)T\(hour < 10 ? "0" : "")\(hour):\(next(5))0:00+02:00", \
        \(promise)"service_level": "\(["standard", "standard", "express", "eco"][next(4)])", \
        "delivery_mode": "\(relay ? "relay" : "home")", \(relay ? "\"relay_point\": \"RP-\(next(90))\", " : "")\
        "recipient": {"name": "Client \(n)", "street": ["\(n % 200) rue de la Paix"], "postcode": "\(destination.1)", \
        "city": "X", "country": "\(destination.0)"\(coordinates)}, \
        "parcels": [\(parcels.joined(separator: ", "))]}
        """
}
