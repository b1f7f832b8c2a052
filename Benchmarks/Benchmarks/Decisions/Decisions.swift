import Benchmark
import Foundation
import RelaisConfig
import RelaisCore

/// SPEC §11: ≥ 100,000 shipment × panel decisions per second per core, 10-service panel;
/// ≥ 40,000 per second with origin choice over 3 origins (SPEC §15).
///
/// One decision scores one shipment against every service of the panel (10 candidates),
/// ranks them and builds the explanation. The shipped panel (11 services) less one service
/// is the 10-service panel; shipments vary destination, weight, mode and promise.
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
    let policy = try! PolicyLoader.load(
        file: repository.appendingPathComponent("policies/default.toml").path, panel: panel, siteIDs: Set(config.sites.map(\.id)))
    let engine = DecisionEngine(panel: panel, policy: policy)
    // The two sites of the first measurements, so that figures compare across sessions.
    let shipments = makeShipments(count: 1000, sites: Array(config.sites.prefix(2)))
    // Origin choice (SPEC §15): every shipment may leave from any of the three sites.
    let threeOrigins = config.sites.sorted { $0.id < $1.id }
    precondition(threeOrigins.count == 3)
    let withOrigins = shipments.map { shipment in
        var copy = shipment
        copy.origins = threeOrigins
        copy.site = threeOrigins[0]
        return copy
    }
    let carts = shipments.map { shipment in
        Cart(
            origins: threeOrigins.map(\.id), destination: shipment.recipient.destination, coordinate: shipment.recipient.coordinate,
            parcels: shipment.parcels, serviceLevel: shipment.serviceLevel, promisedBy: shipment.promisedBy
        ).shipment(mode: .home, sites: threeOrigins, readyAt: 1_795_424_400)
    }

    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .cpuTotal], maxDuration: .seconds(5), maxIterations: 1_000_000)

    Benchmark("decide, 10-service panel", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(engine.decide(shipments[index % shipments.count]))
        }
    }

    Benchmark("decide, 10-service panel × 3 origins", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(engine.decide(withOrigins[index % withOrigins.count]))
        }
    }

    // What POST /v1/options computes for one cart: four modes, each a decision over
    // 10 services × 3 origins, and the tags.
    Benchmark("options, 4 modes × 10-service panel × 3 origins", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(DeliveryOptions.make(for: carts[index % carts.count], modes: DeliveryMode.allCases, engine: engine))
        }
    }

    Benchmark("decide + record JSON, 10-service panel", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let encoder = JSONEncoder()
        for index in benchmark.scaledIterations {
            blackHole(try! encoder.encode(DecisionRecord(engine.decide(shipments[index % shipments.count]))))
        }
    }
}

/// Deterministic, varied shipments: destinations across France, Corsica and Belgium,
/// one to three parcels, every mode, half with a promise.
func makeShipments(count: Int, sites: [Site]) -> [Shipment] {
    let destinations: [(String, String, Double, Double)] = [
        ("FR", "75011", 48.853, 2.372), ("FR", "69002", 45.760, 4.835), ("FR", "33000", 44.838, -0.575),
        ("FR", "20000", 41.919, 8.738), ("FR", "13001", 43.297, 5.381), ("BE", "1000", 50.85, 4.35),
        ("FR", "59000", 50.629, 3.057), ("FR", "31000", 43.604, 1.444),
    ]
    let modes: [DeliveryMode] = [.home, .home, .relay, .locker]
    var state: UInt64 = 42
    func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
    let monday = CivilDate(year: 2026, month: 11, day: 23)
    return (0..<count).map { index in
        let destination = destinations[next(destinations.count)]
        let mode = modes[next(modes.count)]
        let parcels = (0...next(3)).map { _ in
            Parcel(weightKg: Double(next(2500) + 10) / 100, lengthCm: Double(next(60) + 10), widthCm: Double(next(40) + 10), heightCm: Double(next(30) + 5))
        }
        let ready = LocalTime(date: monday.adding(days: next(30)), minuteOfDay: next(1440))
        return Shipment(
            id: "B-\(index)", orderIDs: ["B-\(index)"], site: sites[next(sites.count)],
            recipient: Recipient(
                name: "Bench", street: ["1 rue"], postcode: destination.1, city: "X", country: destination.0,
                coordinate: next(2) == 0 ? Coordinate(lat: destination.2, lon: destination.3) : nil),
            serviceLevel: [.express, .standard, .eco][next(3)], deliveryMode: mode, relayPoint: mode.needsRelayPoint ? "RP" : nil,
            parcels: parcels, ready: ready, promisedBy: next(2) == 0 ? ready.date.adding(days: next(5) + 1) : nil, tags: [],
            value: nil)
    }
}
