// swift-tools-version:6.1
import PackageDescription

// Swift 6 language mode (the default for tools 6.x): strict concurrency, no warnings.
let package = Package(
    name: "relais",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "relaisd", targets: ["relaisd"]),
        .executable(name: "relaisctl", targets: ["relaisctl"]),
        .executable(name: "relais-sandbox", targets: ["relais-sandbox"]),
        .library(name: "RelaisCore", targets: ["RelaisCore"]),
        .library(name: "RelaisConfig", targets: ["RelaisConfig"]),
        .library(name: "RelaisOrders", targets: ["RelaisOrders"]),
        .library(name: "RelaisIntake", targets: ["RelaisIntake"]),
        .library(name: "RelaisStore", targets: ["RelaisStore"]),
        .library(name: "RelaisRecords", targets: ["RelaisRecords"]),
        .library(name: "RelaisPostgres", targets: ["RelaisPostgres"]),
        .library(name: "RelaisAggregation", targets: ["RelaisAggregation"]),
        .library(name: "RelaisXML", targets: ["RelaisXML"]),
        .library(name: "RelaisCarriers", targets: ["RelaisCarriers"]),
        .library(name: "RelaisBooking", targets: ["RelaisBooking"]),
        .library(name: "RelaisTracking", targets: ["RelaisTracking"]),
        .library(name: "RelaisSandbox", targets: ["RelaisSandbox"]),
        .library(name: "RelaisSystemd", targets: ["RelaisSystemd"]),
        .library(name: "RelaisControl", targets: ["RelaisControl"]),
        .library(name: "RelaisReports", targets: ["RelaisReports"]),
        // Test doubles (a scripted clock, …) for Relais's own tests and for code built on it.
        .library(name: "RelaisTesting", targets: ["RelaisTesting"]),
        .library(name: "RelaisWebhooks", targets: ["RelaisWebhooks"]),
        .library(name: "RelaisOutbox", targets: ["RelaisOutbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        // On Linux, 7.10.0 or later (see README, Dependencies).
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        // The PostgreSQL store (SPEC §16): vapor's client, async/await with a bounded pool.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: panel, policy, calendar, ETA, emissions, the decision. No I/O, no clock.
        .target(name: "RelaisCore"),
        // Loading and validating carrier.toml, rate CSVs, policies and relais.toml.
        .target(
            name: "RelaisConfig",
            dependencies: [
                "RelaisCore", "RelaisXML",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // libxml2, the only XML parser Relais uses; reached through RelaisXML alone.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // One hardened XML façade: no DTD, no entities, no network, a size limit.
        .target(name: "RelaisXML", dependencies: ["CLibXML2"]),
        // The declarative carrier API (SPEC §9): requests from templates, replies read by paths.
        .target(
            name: "RelaisCarriers",
            dependencies: [
                "RelaisCore", "RelaisConfig", "RelaisXML",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // System calls Swift's Glibc module does not declare (syncfs).
        .target(name: "CRelaisSystem"),
        // The booking stage: claims, carrier calls, breaker, backoff, failover, reconciliation.
        .target(
            name: "RelaisBooking",
            dependencies: [
                "RelaisCore", "RelaisConfig", "RelaisCarriers", "RelaisStore", "RelaisOrders", "CRelaisSystem",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Tracking (SPEC §13): polls booked shipments at their carriers through the shared gates.
        .target(
            name: "RelaisTracking",
            dependencies: [
                "RelaisCore", "RelaisConfig", "RelaisCarriers", "RelaisStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Every shipped carrier's API on loopback, with a ledger and failure knobs.
        .target(
            name: "RelaisSandbox",
            dependencies: [
                "RelaisConfig", "RelaisCore", "RelaisXML", "RelaisWebhooks",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The store's roles as protocols (order ledger, shipment queue, record reader, event
        // log) and the values they exchange: no engine, no SQL.
        .target(name: "RelaisStore", dependencies: ["RelaisCore"]),
        // The records in SQLite: the store's roles answered with GRDB.
        .target(
            name: "RelaisRecords",
            dependencies: [
                "RelaisCore", "RelaisStore", "RelaisControlAPI", "CRelaisSystem", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C interface, as GRDB links it: the decisions' inserts bind their
                // values directly (Statement+DirectBinding.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The records in PostgreSQL (SPEC §16): the same roles, shared by several nodes.
        .target(
            name: "RelaisPostgres",
            dependencies: [
                "RelaisCore", "RelaisStore", "RelaisControlAPI",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Order decoding and validation (SPEC §3): pure, on Core alone.
        .target(name: "RelaisOrders", dependencies: ["RelaisCore"]),
        // The spool (SPEC §3): files in, orders recorded, files moved.
        .target(name: "RelaisIntake", dependencies: ["RelaisCore", "RelaisOrders", "RelaisStore"]),
        // Orders into shipments, each decided under the active policy (SPEC §4, §7).
        .target(
            name: "RelaisAggregation",
            dependencies: [
                "RelaisCore", "RelaisStore", "RelaisOrders", .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING) without libsystemd, and
        // journald-prefixed logging.
        .target(name: "RelaisSystemd", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // The control API's JSON shapes, shared by the daemon and relaisctl (SPEC §10).
        .target(name: "RelaisControlAPI", dependencies: ["RelaisCore", "RelaisStore"]),
        // The control API on the Unix socket: routes, peer credentials, audit, /metrics.
        .target(
            name: "RelaisControl",
            dependencies: [
                "RelaisCore", "RelaisConfig", "RelaisStore", "RelaisOrders", "RelaisIntake", "RelaisControlAPI", "CRelaisSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Standard Webhooks signatures: signed by relaisd, verified by relais-sandbox's OMS.
        .target(name: "RelaisWebhooks", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The outbox's delivery (SPEC §12): spool files and signed webhooks, on an HTTP client
        // of its own, with the retry schedule as a value.
        .target(
            name: "RelaisOutbox",
            dependencies: [
                "RelaisCore", "RelaisConfig", "RelaisStore", "RelaisRecords", "RelaisControlAPI", "RelaisWebhooks",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What-if replays of a policy on recorded history, emissions and carrier reports:
        // read-only, from a snapshot of the database.
        .target(name: "RelaisReports", dependencies: ["RelaisCore", "RelaisStore", "RelaisOrders", "RelaisXML"]),
        // What relaisctl's commands do, as functions that return text and an exit status.
        .target(
            name: "RelaisCommands",
            dependencies: [
                "RelaisCore", "RelaisConfig", "RelaisOrders", "RelaisControlAPI", "RelaisStore", "RelaisRecords", "RelaisReports",
                "RelaisPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "relaisctl",
            dependencies: [
                "RelaisCommands", "RelaisControlAPI", "RelaisReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "relaisd",
            dependencies: [
                "RelaisCore", "RelaisConfig", "RelaisOrders", "RelaisIntake", "RelaisCommands", "RelaisStore", "RelaisRecords", "RelaisAggregation",
                "RelaisCarriers", "RelaisBooking", "RelaisSystemd", "RelaisControl", "RelaisControlAPI", "RelaisPostgres",
                "RelaisOutbox", "RelaisTracking",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // Release links with lld, exporting no symbols (Swift executables on Linux export
            // every one: 5 MB of .dynsym and .dynstr that the loader reads at start) and with
            // relative relocations packed (DT_RELR, glibc 2.36: .rela.dyn from 3.7 MB, all of
            // it written at start, to 50 KB). Idle RSS 48 MB before, 39-41 MB after
            // (BENCHMARKS.md, Idle RSS).
            linkerSettings: [
                .unsafeFlags(
                    ["-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                    .when(platforms: [.linux], configuration: .release))
            ]
        ),
        .executableTarget(
            name: "relais-sandbox",
            dependencies: [
                "RelaisConfig", "RelaisSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test doubles shared by the test targets and the fuzzers: never linked into a shipped executable.
        .target(name: "RelaisTesting", dependencies: ["RelaisCore", "RelaisStore"]),
        // What the fuzzers drive (FUZZING.md); the corpus replay test runs them on every build.
        .target(
            name: "RelaisFuzzTargets",
            dependencies: [
                "RelaisOrders", "RelaisConfig", "RelaisCarriers", "RelaisControl", "RelaisRecords", "RelaisCore", "RelaisTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "RelaisFuzzTests", dependencies: ["RelaisFuzzTargets", "RelaisTesting"]),
        .testTarget(name: "RelaisCoreTests", dependencies: ["RelaisCore", "RelaisTesting"]),
        .testTarget(name: "RelaisConfigTests", dependencies: ["RelaisConfig", "RelaisTesting"]),
        .testTarget(name: "RelaisOrdersTests", dependencies: ["RelaisOrders", "RelaisCore"]),
        .testTarget(
            name: "RelaisRecordsTests",
            dependencies: [
                "RelaisStore", "RelaisRecords", "RelaisAggregation", "RelaisOrders", "RelaisIntake", "RelaisConfig", "RelaisTesting",
            ]),
        .testTarget(name: "RelaisCommandsTests", dependencies: ["RelaisCommands", "RelaisTesting"]),
        .testTarget(
            name: "RelaisReportsTests",
            dependencies: [
                "RelaisReports", "RelaisCommands", "RelaisStore", "RelaisRecords", "RelaisAggregation", "RelaisOrders", "RelaisConfig", "RelaisCore",
                "RelaisTesting",
            ]),
        // The store conformance suite against a real PostgreSQL server (skipped without one).
        .testTarget(
            name: "RelaisPostgresTests",
            dependencies: [
                "RelaisPostgres", "RelaisStore", "RelaisCore", "RelaisTesting", "RelaisAggregation", "RelaisConfig", "RelaisOrders",
                "RelaisBooking", "RelaisCarriers", "RelaisCommands", "RelaisRecords", "RelaisReports",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The XML façade: hostile and malformed documents, paths, limits.
        .testTarget(name: "RelaisXMLTests", dependencies: ["RelaisXML"]),
        // Carrier adapters, the booking loop and the booking stage, against relais-sandbox on loopback.
        .testTarget(
            name: "RelaisBookingTests",
            dependencies: [
                "RelaisXML", "RelaisCarriers", "RelaisBooking", "RelaisTracking", "RelaisSandbox", "RelaisStore", "RelaisRecords", "RelaisAggregation",
                "RelaisOrders", "RelaisConfig", "RelaisCore", "RelaisTesting", "RelaisControlAPI", "CRelaisSystem",
            ]
        ),
        // Live tests: the real executables as child processes.
        .testTarget(
            name: "RelaisLiveTests",
            dependencies: [
                "RelaisStore", "RelaisRecords", "RelaisSandbox", "RelaisControlAPI", "RelaisTesting", "RelaisWebhooks", "RelaisPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        // The outbox: signatures, the retry schedule, spool files, webhooks to loopback receivers.
        .testTarget(
            name: "RelaisOutboxTests",
            dependencies: [
                "RelaisOutbox", "RelaisWebhooks", "RelaisStore", "RelaisRecords", "RelaisConfig", "RelaisCore", "RelaisControlAPI",
                "RelaisAggregation", "RelaisOrders", "RelaisIntake", "RelaisSandbox", "RelaisTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // sd_notify datagrams received on a socket of the test's own; the watchdog's rule.
        .testTarget(name: "RelaisSystemdTests", dependencies: ["RelaisSystemd"]),
        // The control API over a real Unix socket, against a real store.
        .testTarget(
            name: "RelaisControlTests",
            dependencies: [
                "RelaisControl", "RelaisControlAPI", "RelaisCommands", "RelaisStore", "RelaisRecords", "RelaisConfig", "RelaisCore",
                "RelaisOrders", "RelaisIntake", "RelaisAggregation", "RelaisTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// libFuzzer (FUZZING.md): `RELAIS_FUZZ=1 swift build --scratch-path .build-fuzz --product relais-fuzz`
// compiles Relais' own modules with coverage and AddressSanitizer and links libFuzzer's
// main into relais-fuzz. Never set for the ordinary build.
if Context.environment["RELAIS_FUZZ"] == "1" {
    let sanitizers = ["-sanitize=fuzzer,address"]
    for target in package.targets where target.type == .regular && target.name.hasPrefix("Relais") {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers)]
    }
    package.targets.append(
        .executableTarget(
            name: "relais-fuzz", dependencies: ["RelaisFuzzTargets"], path: "Fuzz", exclude: ["corpus"],
            swiftSettings: [.unsafeFlags(sanitizers + ["-parse-as-library"])],
            linkerSettings: [.unsafeFlags(sanitizers)]))
    package.products.append(.executable(name: "relais-fuzz", targets: ["relais-fuzz"]))
}
