import AsyncHTTPClient
import Benchmark
import Foundation
import Logging
import Prometheus
import RelaisConfig
import RelaisControl
import RelaisCore
import RelaisRecords
import RelaisStore
import Synchronization

/// SPEC §11: a status query answers in ≤ 5 ms p99 while booking at full rate.
///
/// The booking stage books 5,000 shipments against the in-process sandbox (as the booking
/// benchmark does) while a client asks `GET /v1/status` over the control socket, one
/// query at a time on a persistent connection, as a monitoring probe would.
func statusWhileBooking(_ environment: Environment, shipments: Int) {
    let p50 = BenchmarkMetric.custom("status p50 (µs)", polarity: .prefersSmaller, useScalingFactor: false)
    let p99 = BenchmarkMetric.custom("status p99 (µs)", polarity: .prefersSmaller, useScalingFactor: false)
    let queries = BenchmarkMetric.custom("status queries", polarity: .prefersLarger, useScalingFactor: false)
    Benchmark(
        "GET /v1/status while booking 5,000 shipments",
        configuration: .init(
            metrics: [.wallClock, p50, p99, queries, BenchmarkMetric.custom("bookings per second", polarity: .prefersLarger, useScalingFactor: false)],
            maxDuration: .seconds(120), maxIterations: 4, setup: { try await environment.start() })
    ) { benchmark in
        let run = try await environment.prepare(shipments: shipments)
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
        let url = URL(httpURLWithSocketPath: socket, uri: "/v1/status")!.absoluteString
        let stop = StopFlag()
        var latencies: [Int] = []
        let started = Date()
        benchmark.startMeasurement()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ready.makeAsyncIterator()
            _ = await iterator.next()
            group.addTask { try await stage.run { stop.isSet } }
            while try await run.store.queueCounts()[.booked] ?? 0 < shipments {
                let before = ContinuousClock.now
                let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
                _ = try await response.body.collect(upTo: 1 << 20)
                precondition(response.status == .ok)
                let elapsed = before.duration(to: .now)
                latencies.append(Int(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
                try await Task.sleep(for: .milliseconds(2))
            }
            stop.set()
            try await client.shutdown()
            group.cancelAll()
        }
        benchmark.stopMeasurement()
        let bookings = Int(Double(shipments) / Date().timeIntervalSince(started))
        latencies.sort()
        benchmark.measurement(p50, latencies[latencies.count / 2])
        benchmark.measurement(p99, latencies[latencies.count * 99 / 100])
        benchmark.measurement(queries, latencies.count)
        benchmark.measurement(BenchmarkMetric.custom("bookings per second", polarity: .prefersLarger, useScalingFactor: false), bookings)
    }
}
