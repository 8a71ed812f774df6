// swift-tools-version: 6.2
import PackageDescription

/// Swift 6 language mode everywhere; strict concurrency is the Swift 6 default.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "nexus-ingest",
    products: [
        .executable(name: "nexus-ingest", targets: ["nexus-ingest"]),
        .library(name: "IngestCore", targets: ["IngestCore"]),
        .library(name: "IngestPostgres", targets: ["IngestPostgres"]),
        .library(name: "IngestAgent", targets: ["IngestAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libpq, found through pkg-config (`-I/usr/include/postgresql -lpq`).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // OpenSSL's libcrypto (SHA-256), found through pkg-config; libpq links it too.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // The vector byte search (SSE2 on x86-64) of the CSV scanner and of COPY's escaping, as
        // static inline C that the Swift compiler inlines into their loops.
        .target(name: "CNexusByteScan"),
        // Pure logic: byte CSV scanner, partition hashing, SHA-256. No database, no inotify.
        .target(
            name: "IngestCore",
            dependencies: ["CLibCrypto", "CNexusByteScan"],
            swiftSettings: swiftSettings
        ),
        // PostgreSQL over libpq: connections, queries, COPY, transactions, errors, migrations.
        .target(
            name: "IngestPostgres",
            dependencies: ["CLibPQ", "CNexusByteScan", "IngestCore"],
            resources: [.embedInCode("Migrations")],
            swiftSettings: swiftSettings
        ),
        // The Importer protocol and one folder per import type: pure row mappers next to
        // their prepare / chunk / finalize SQL.
        .target(
            name: "Importers",
            dependencies: ["IngestCore", "IngestPostgres"],
            swiftSettings: swiftSettings
        ),
        // Linux calls Swift's Glibc module hides behind _GNU_SOURCE (pipe2, file leases).
        .target(name: "CNexusPlatform"),
        // The agent: configuration, planner, spool, workers, status files, doctor.
        .target(
            name: "IngestAgent",
            dependencies: [
                "IngestCore",
                "IngestPostgres",
                "Importers",
                "CNexusPlatform",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command-line tool: a thin swift-argument-parser front end.
        .executableTarget(
            name: "nexus-ingest",
            dependencies: [
                "IngestAgent",
                "Importers",
                .product(name: "Logging", package: "swift-log"),
                "IngestCore",
                "IngestPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Deterministic generated input files, shared by the tests and the benchmarks.
        .target(
            name: "NexusIngestSamples",
            swiftSettings: swiftSettings
        ),
        // Benchmark driver used by scripts/bench (release builds only).
        .executableTarget(
            name: "nexus-ingest-bench",
            dependencies: ["IngestCore", "NexusIngestSamples"],
            swiftSettings: swiftSettings
        ),
        // Unit tests: need nothing but the file system.
        .testTarget(
            name: "IngestCoreTests",
            dependencies: ["IngestCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ImportersTests",
            dependencies: ["Importers", "IngestCore", "IngestPostgres"],
            swiftSettings: swiftSettings
        ),
        // Unit tests of the agent's pure logic, with in-memory fakes (e.g. the spool's file system).
        .testTarget(
            name: "IngestAgentTests",
            dependencies: ["IngestAgent", "Importers", "IngestCore"],
            swiftSettings: swiftSettings
        ),
        // End-to-end tests of the built `nexus-ingest` binary (need the test database too).
        .testTarget(
            name: "NexusIngestCLITests",
            dependencies: ["IngestPostgres"],
            swiftSettings: swiftSettings
        ),
        // Integration tests: the real pipeline on real files against the PostgreSQL server that
        // scripts/test starts.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "IngestPostgres", "IngestCore", "IngestAgent", "Importers", "NexusIngestSamples",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
