import Foundation
import IngestPostgres
import Synchronization
import Testing

/// Runs the `nexus-ingest` binary that `swift build` put next to the test bundle.
struct CommandResult {
    var status: Int32
    var output: String
}

/// The `nexus-ingest` binary of this build (next to the test bundle).
let nexusIngestBinary: URL = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let sibling = bundle.appendingPathComponent("nexus-ingest")
    if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
    return URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/nexus-ingest")
}()

func runNexusIngest(_ arguments: [String], environment extra: [String: String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = nexusIngestBinary
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment.merge(extra) { _, new in new }
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

var testDatabaseURL: String? { ProcessInfo.processInfo.environment["NEXUS_INGEST_TEST_DATABASE_URL"] }

@Suite("nexus-ingest migrate / doctor", .enabled(if: testDatabaseURL != nil))
struct MigrateCommandTests {
    /// A schema of its own, and a drop root and spool that exist (doctor checks them).
    func environment(schema: String) -> [String: String] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(schema).path
        for directory in ["uploads", "spool/tmp", "spool/ready", "spool/claimed"] {
            try? FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        return [
            "NEXUS_INGEST_DATABASE_URL": testDatabaseURL!, "NEXUS_INGEST_DATABASE_SCHEMA": schema, "NEXUS_INGEST_CONFIG": "",
            "NEXUS_INGEST_DROP_ROOT": root + "/uploads", "NEXUS_INGEST_SPOOL_DIR": root + "/spool",
        ]
    }

    func dropSchema(_ schema: String) throws {
        let connection = try PostgresConnection(conninfo: testDatabaseURL!)
        try connection.executeScript("DROP SCHEMA IF EXISTS \(try connection.quoteIdentifier(schema)) CASCADE")
    }

    @Test func migrateTwiceThenDoctorIsHealthy() throws {
        let schema = "cli_\(UInt32.random(in: 0...UInt32.max))"
        defer { try? dropSchema(schema) }
        let before = try runNexusIngest(["doctor"], environment: environment(schema: schema))
        #expect(before.status != 0)
        #expect(before.output.contains("pending: run `nexus-ingest migrate`"), "\(before.output)")

        let first = try runNexusIngest(["migrate"], environment: environment(schema: schema))
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("applied migrations 1"))
        let second = try runNexusIngest(["migrate"], environment: environment(schema: schema))
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("up to date"))

        let doctor = try runNexusIngest(["doctor"], environment: environment(schema: schema))
        #expect(doctor.status == 0, "\(doctor.output)")
        #expect(doctor.output.contains("ok       database: connected"))
        #expect(doctor.output.contains("ok       lock table: "), "\(doctor.output)")
    }

    @Test func concurrentMigrateCommandsBothSucceed() throws {
        let schema = "cli_\(UInt32.random(in: 0...UInt32.max))"
        defer { try? dropSchema(schema) }
        let environment = environment(schema: schema)
        let collected = Mutex<[CommandResult]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let result = (try? runNexusIngest(["migrate"], environment: environment))
                ?? CommandResult(status: -1, output: "could not start")
            collected.withLock { $0.append(result) }
        }
        let outcomes = collected.withLock { $0 }
        #expect(outcomes.allSatisfy { $0.status == 0 }, "\(outcomes.map(\.output))")
        #expect(outcomes.filter { $0.output.contains("applied migrations 1") }.count == 1)
    }

    @Test func unreachableDatabaseFailsClearly() throws {
        let result = try runNexusIngest(["migrate"], environment: ["NEXUS_INGEST_DATABASE_URL": "host=/nonexistent dbname=x"])
        #expect(result.status == 1)
        #expect(result.output.contains("nexus-ingest migrate: could not connect to PostgreSQL"))
    }

    @Test func missingConfigFileFailsClearly() throws {
        let result = try runNexusIngest(["doctor", "--config", "/nonexistent/n.yaml"], environment: [:])
        #expect(result.status == 1)
        #expect(result.output.contains(
            "failed   configuration: config file /nonexistent/n.yaml: the config file does not exist or is not readable"))
    }

    @Test func versionIsPrinted() throws {
        let result = try runNexusIngest(["--version"], environment: [:])
        #expect(result.status == 0)
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}
