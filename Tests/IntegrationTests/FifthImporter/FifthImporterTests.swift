import Foundation
import Importers
import IngestAgent
import IngestPostgres
import Logging
import Testing

/// A fifth import type is one folder plus one list entry: ``WidgetImporter`` (defined only in
/// the tests) runs end to end in a real agent — its default route, the watcher, planner,
/// workers, finalize and its status file — against a schema migrated with its own migration.
@Suite("A fifth importer", .enabled(if: TestDatabase.isConfigured))
struct FifthImporterTests {
    /// The one list entry.
    static let importers = ImporterRegistry(importers: ImporterRegistry.standard.importers + [WidgetImporter.self])

    /// The agent runs in this process, beside suites whose synchronous tests can hold every
    /// thread of the cooperative pool for minutes: its tasks (and this test's) get a thread of
    /// their own.
    @Test func aTestOnlyTypeRunsEndToEndThroughTheAgent() async throws {
        let executor = ThreadExecutor()
        try await withTaskExecutorPreference(executor) { try await endToEnd(executor) }
    }

    private func endToEnd(_ executor: ThreadExecutor) async throws {
        let schema = TestDatabase.uniqueSchemaName("w")
        let connection = try TestDatabase.connect()
        let report = try Migrator(connection: connection, schema: schema, migrations: Self.importers.migrations).migrate()
        #expect(report.applied.contains(1001))
        defer { try? connection.executeScript("DROP SCHEMA \(try! connection.quoteIdentifier(schema)) CASCADE") }
        let directory = NSTemporaryDirectory() + "nexus-ingest-widgets-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/drop", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory + "/nexus-ingest.yaml", contents: Data("workers: 2\nchunks: 3\n".utf8))

        let resolved = try ConfigurationLoader.resolve(
            configPath: directory + "/nexus-ingest.yaml",
            environment: [
                "NEXUS_INGEST_DATABASE_URL": TestDatabase.url!, "NEXUS_INGEST_DATABASE_SCHEMA": schema,
                "NEXUS_INGEST_DROP_ROOT": directory + "/drop", "NEXUS_INGEST_SPOOL_DIR": directory + "/spool",
                "NEXUS_INGEST_SETTLE_SECONDS": "0.2", "NEXUS_INGEST_STATUS_INTERVAL_MS": "100",
            ],
            importers: Self.importers)
        // Its default route comes from its folder, and so do the checks of route options.
        #expect(resolved.configuration.agent.routes.directories.contains("test-widgets"))
        #expect(throws: ConfigurationError.self) { try RouteTable(entries: ["w=test-widgets:replace"], importers: Self.importers) }

        let log = CollectedLog()
        let agent = Agent(configuration: resolved, logger: Logger(label: "widgets") { _ in log }) { resolved }
        let running = Task(executorPreference: executor) { try await agent.run() }
        var csv = "SKU,Price\n"
        for index in 1...300 { csv += "W-\(index),\(index).25\n" }
        csv += "W-BAD,twelve\n"
        try FileManager.default.createDirectory(atPath: directory + "/drop/test-widgets", withIntermediateDirectories: true)
        let upload = directory + "/drop/test-widgets/widgets.csv"
        write(upload, csv)

        let status = try await finalStatus(upload)
        await agent.requestStop()
        try await running.value

        // One bad row is over the default max_rejects 0: the job fails, naming the row.
        #expect(status["type"] as? String == "TEST_WIDGETS", "agent log:\n\(log.text)")
        #expect(status["status"] as? String == "FAILED")
        #expect((status["rejects"] as? [String: Any])?["count"] as? Int == 1)
        #expect(try connection.query("SELECT count(*) FROM \(schema).test_widget WHERE published").first!.require(0, as: Int.self) == 0)

        // Without the bad row it publishes, in several chunks, and its status file is valid.
        let good = directory + "/drop/test-widgets/good.csv"
        let again = Agent(configuration: resolved, logger: Logger(label: "widgets") { _ in log }) { resolved }
        let rerun = Task(executorPreference: executor) { try await again.run() }
        write(good, csv.replacingOccurrences(of: "W-BAD,twelve\n", with: ""))
        let published = try await finalStatus(good)
        await again.requestStop()
        try await rerun.value
        #expect(published["status"] as? String == "SUCCEEDED", "agent log:\n\(log.text)")
        #expect(published["totalChunks"] as? Int == 3)
        #expect((published["result"] as? [String: Any])?["widgets"] as? Int == 300)
        #expect((published["result"] as? [String: Any])?["widgetRows"] as? Int == 300)
        #expect(published["message"] as? String == "test-widgets import complete")
        #expect(statusFileIsValid(good + ".status.json"))
        #expect(try connection.query("SELECT count(*) FROM \(schema).test_widget WHERE published").first!.require(0, as: Int.self) == 300)

        // gc follows from the type too: its rule is in the report (the failed job loaded nothing).
        let collected = try GarbageCollector(configuration: resolved.configuration).run(dryRun: true, failedOlderThanHours: 0)
        #expect(collected.contains { $0.what == "widgets of old failed jobs" && $0.count == 0 })
    }

    /// The upload's status file once it is final (empty after 60 s).
    private func finalStatus(_ upload: String) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(60)
        while true {
            if let data = FileManager.default.contents(atPath: upload + ".status.json"),
               let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
               ["SUCCEEDED", "FAILED"].contains(json["status"] as? String)
            {
                return json
            }
            if Date() > deadline { return [:] }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Writes an upload under a temporary name and renames it into place. The descriptor is
    /// close-on-exec: agents that other suites start meanwhile must not inherit it, or the
    /// in-process agent would see a writer and wait for it to finish.
    private func write(_ path: String, _ text: String) {
        let fd = open(path + ".part", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        close(fd)
        rename(path + ".part", path)
    }

}

/// The agent's log lines, kept for a failure's message.
struct CollectedLog: LogHandler {
    private let lines = LockedLines()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append("\(Date()) \(event.level) \(event.message) \(fields)")
    }

    var text: String { lines.text }
}

/// Lines appended from any thread.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// A task executor on a thread of its own (jobs run one at a time, in order).
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init() {
        let thread = Thread { self.loop() }  // lives as long as the test process
        thread.name = "test-executor"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
