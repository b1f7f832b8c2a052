import AsyncHTTPClient
import Benchmark
import Foundation
import Logging
import Prometheus
import RelaisConfig
import RelaisControl
import RelaisCore
import RelaisRecords

/// SPEC §11: `POST /v1/options`, one cart, 10-service panel × 3 origins: ≤ 2 ms p99 idle,
/// ≤ 10 ms p99 while booking at full rate.
///
/// A client posts a cart to Lille from three origins over the control socket, one request at
/// a time on a persistent connection: write access (`SO_PEERCRED`), the cart decoded, four
/// modes decided over the shipped panel (11 services) from each origin, JSON. Idle: 2,000
/// requests back to back. While booking: every 2 ms while the booking stage books 5,000
/// shipments against the in-process sandbox, as the status benchmark does.
func optionsLatency(_ environment: Environment, shipments: Int) {
    let p50 = BenchmarkMetric.custom("options p50 (µs)", polarity: .prefersSmaller, useScalingFactor: false)
    let p99 = BenchmarkMetric.custom("options p99 (µs)", polarity: .prefersSmaller, useScalingFactor: false)
    let requests = BenchmarkMetric.custom("options requests", polarity: .prefersLarger, useScalingFactor: false)
    let bookingsPerSecond = BenchmarkMetric.custom("bookings per second", polarity: .prefersLarger, useScalingFactor: false)
    let cart = """
        {"origins": ["lille-store", "lyon-dc", "paris-store"],
         "recipient": {"postcode": "59000", "country": "FR", "lat": 50.6377, "lon": 3.0608},
         "parcels": [{"weight_kg": 1.6, "length_cm": 35, "width_cm": 25, "height_cm": 12}]}
        """

    for whileBooking in [false, true] {
        Benchmark(
            whileBooking ? "POST /v1/options while booking 5,000 shipments" : "POST /v1/options, idle",
            configuration: .init(
                metrics: [.wallClock, p50, p99, requests] + (whileBooking ? [bookingsPerSecond] : []),
                maxDuration: .seconds(120), maxIterations: whileBooking ? 4 : 3, setup: { try await environment.start() })
        ) { benchmark in
            let run = try await environment.prepare(shipments: whileBooking ? shipments : 0)
            let configFile = run.directory.appendingPathComponent("relais.toml")
            let socket = run.directory.appendingPathComponent("relais.sock").path
            try Data(
                """
                [paths]
                state = "\(run.directory.path)"
                carriers = "\(environment.repository.appendingPathComponent("carriers").path)"
                policies = "\(environment.repository.appendingPathComponent("policies").path)"
                socket = "\(socket)"

                [[site]]
                id = "lyon-dc"
                country = "FR"
                postcode = "69007"
                lat = 45.7323
                lon = 4.8283

                [[site]]
                id = "paris-store"
                country = "FR"
                postcode = "75011"
                lat = 48.8546
                lon = 2.3730

                [[site]]
                id = "lille-store"
                country = "FR"
                postcode = "59800"
                lat = 50.6389
                lon = 3.0632
                """.utf8
            ).write(to: configFile)
            let stage = run.stage
            let state = DaemonState(
                store: run.store, configuration: try ConfigurationSet.load(configFile: configFile.path), version: "bench",
                permission: WritePermission(operatorGroup: "relais"), metrics: ControlMetrics(registry: PrometheusCollectorRegistry()),
                clock: { Int64(Date().timeIntervalSince1970 * 1000) },
                carriers: { DaemonState.CarrierView(breakers: stage.breakerStates(), openings: stage.breakerOpenings()) },
                reload: { _, _ in .init(applied: false) })
            try ControlServer.claimSocket(path: socket)
            let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let server = ControlServer(socketPath: socket, state: state, logger: logger) { readyContinuation.yield() }
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let url = URL(httpURLWithSocketPath: socket, uri: "/v1/options")!.absoluteString
            let stop = StopFlag()
            var latencies: [Int] = []
            let started = Date()
            benchmark.startMeasurement()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                var iterator = ready.makeAsyncIterator()
                _ = await iterator.next()
                if whileBooking { group.addTask { try await stage.run { stop.isSet } } }
                func more() async throws -> Bool {
                    whileBooking ? try await run.store.queueCounts()[.booked] ?? 0 < shipments : latencies.count < 2_000
                }
                while try await more() {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.body = .bytes(Array(cart.utf8))
                    let before = ContinuousClock.now
                    let response = try await client.execute(request, timeout: .seconds(5))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    precondition(response.status == .ok)
                    let elapsed = before.duration(to: .now)
                    latencies.append(Int(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
                    if whileBooking { try await Task.sleep(for: .milliseconds(2)) }
                }
                stop.set()
                try await client.shutdown()
                group.cancelAll()
            }
            benchmark.stopMeasurement()
            latencies.sort()
            benchmark.measurement(p50, latencies[latencies.count / 2])
            benchmark.measurement(p99, latencies[latencies.count * 99 / 100])
            benchmark.measurement(requests, latencies.count)
            if whileBooking {
                benchmark.measurement(bookingsPerSecond, Int(Double(shipments) / Date().timeIntervalSince(started)))
            }
        }
    }
}
