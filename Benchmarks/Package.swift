// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so the main build and CI do not compile the harness.
// Run from this directory: `swift package benchmark` (see ../BENCHMARKS.md).
let package = Package(
    name: "relais-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "relais", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "Decisions",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RelaisCore", package: "relais"),
                .product(name: "RelaisConfig", package: "relais"),
            ],
            path: "Benchmarks/Decisions",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Records",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RelaisCore", package: "relais"),
                .product(name: "RelaisRecords", package: "relais"),
                .product(name: "RelaisOrders", package: "relais"),
                .product(name: "RelaisStore", package: "relais"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/Records",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Booking",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RelaisCore", package: "relais"),
                .product(name: "RelaisConfig", package: "relais"),
                .product(name: "RelaisRecords", package: "relais"),
                .product(name: "RelaisOrders", package: "relais"),
                .product(name: "RelaisStore", package: "relais"),
                .product(name: "RelaisAggregation", package: "relais"),
                .product(name: "RelaisCarriers", package: "relais"),
                .product(name: "RelaisBooking", package: "relais"),
                .product(name: "RelaisSandbox", package: "relais"),
                .product(name: "RelaisControl", package: "relais"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/Booking",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Simulation",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RelaisCore", package: "relais"),
                .product(name: "RelaisConfig", package: "relais"),
                .product(name: "RelaisRecords", package: "relais"),
                .product(name: "RelaisOrders", package: "relais"),
                .product(name: "RelaisStore", package: "relais"),
                .product(name: "RelaisAggregation", package: "relais"),
                .product(name: "RelaisReports", package: "relais"),
            ],
            path: "Benchmarks/Simulation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
