import Foundation
import IngestPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP applies every reloadable setting to the next file and chunk, without a restart. (The
/// routes and `max_rejects` are in `AgentSignalTests`; `keep_published` is read by each `gc`
/// run and has no part in the agent.)
@Suite("nexus-ingest run: every reloadable setting after SIGHUP", .enabled(if: testDatabaseURL != nil))
struct ReloadTests {
    /// A running agent on a config file of the test's own.
    final class Reloading {
        let harness: AgentHarness
        let config: String
        private(set) var agent: Process!
        private var reloads = 0

        /// `text` makes the config file from the harness's root directory.
        init(_ text: (String) -> String, removing: Set<String>, extra: [String: String] = [:]) throws {
            harness = try AgentHarness()
            config = harness.root + "/nexus-ingest.yaml"
            _ = FileManager.default.createFile(atPath: config, contents: Data(text(harness.root).utf8))
            agent = try harness.start(extra: extra.merging(["NEXUS_INGEST_CONFIG": config]) { $1 }, removing: removing)
        }

        /// Writes the config file, sends SIGHUP and waits until the agent has applied it.
        func reload(_ text: String) throws {
            _ = FileManager.default.createFile(atPath: config, contents: Data(text.utf8))
            reloads += 1
            kill(agent.processIdentifier, SIGHUP)
            try waitUntil(seconds: 10) {
                self.harness.log(0).components(separatedBy: "configuration reloaded").count - 1 == self.reloads
            }
        }

        var log: String { harness.log(0) }
    }

    static let routes = "routes:\n  - golden-components=golden-components\n  - xact-raw/*=xact-raw\n"

    /// A components file with 100 good rows of its own and one bad one.
    static func oneBadRow(seed: Int) -> String {
        AgentHarness.componentsCSV(seed: seed, rows: 100) + "DRYS7,Bad,not-a-number,1.5\n"
    }

    /// Holds the Golden items' table locked (each chunk's fan-out waits for it) while the
    /// upload `name` is imported; returns its final status.
    static func importWhileLocked(_ reloading: Reloading, _ name: String, seed: Int) throws -> [String: Any] {
        let lock = try PostgresConnection(conninfo: testDatabaseURL!)
        try lock.setSearchPath(reloading.harness.schema)
        try lock.executeScript("BEGIN; LOCK TABLE price_list_item IN ACCESS EXCLUSIVE MODE")
        defer { try? lock.executeScript("COMMIT") }
        reloading.harness.drop("golden-components/\(name)", AgentHarness.componentsCSV(seed: seed, rows: 50))
        return try reloading.harness.finalStatus("golden-components/\(name)")
    }

    static func seconds(_ status: [String: Any], from: String, to: String) -> Double {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let start = (status[from] as? String).flatMap(format.date), let end = (status[to] as? String).flatMap(format.date) else {
            return -1
        }
        return end.timeIntervalSince(start)
    }

    @Test func settingsOfTheNextFileAndChunk() throws {
        let estimate = try String(contentsOfFile: sampleFixture("xact-raw.csv"), encoding: .utf8)
        // Workers give up waiting for a lock after 100 ms (a transient error, retried).
        let reloading = try Reloading(
            { _ in Self.routes + "chunks: 1\nretry:\n  max_attempts: 2\n  initial_backoff_ms: 10\nsettle_seconds: 0.3\n" },
            removing: ["NEXUS_INGEST_SETTLE_SECONDS"],
            extra: ["NEXUS_INGEST_DATABASE_URL": testDatabaseURL! + "&options=-c%20lock_timeout%3D100"])
        let harness = reloading.harness

        // As started: one bad row fails the file, an unknown project fails, two attempts.
        harness.drop("golden-components/a.csv", Self.oneBadRow(seed: 1))
        #expect(try harness.finalStatus("golden-components/a.csv")["status"] as? String == "FAILED")
        harness.drop("xact-raw/NEWP1/estimate.csv", estimate)
        #expect(try harness.finalStatus("xact-raw/NEWP1/estimate.csv")["status"] as? String == "FAILED")
        let twice = try Self.importWhileLocked(reloading, "locked-1.csv", seed: 2)
        #expect(((twice["error"] as? [String: Any])?["message"] as? String)?.contains("(gave up after 2 attempts)") == true, "\(twice)")

        try reloading.reload(
            Self.routes + """
                chunks: 3
                max_reject_ratio: 0.05
                auto_create_projects: true
                default_company: acme
                retry:
                  max_attempts: 3
                  initial_backoff_ms: 400
                settle_seconds: 0.3

                """)
        // chunks, max_reject_ratio
        harness.drop("golden-components/b.csv", Self.oneBadRow(seed: 3))
        let tolerated = try harness.finalStatus("golden-components/b.csv")
        #expect(tolerated["status"] as? String == "SUCCEEDED", "\(tolerated)")
        #expect(tolerated["totalChunks"] as? Int == 3)
        #expect((tolerated["rejects"] as? [String: Any])?["count"] as? Int == 1)
        // auto_create_projects, default_company
        harness.drop("xact-raw/NEWP2/estimate.csv", estimate)
        #expect(try harness.finalStatus("xact-raw/NEWP2/estimate.csv")["status"] as? String == "SUCCEEDED")
        #expect(try harness.connection.query(
            "SELECT c.name FROM project p JOIN company c ON c.id = p.company_id WHERE p.code = 'NEWP2'").first?[0] == "acme")
        // retry.max_attempts, retry.initial_backoff_ms: three attempts, 400 + 800 ms apart.
        let thrice = try Self.importWhileLocked(reloading, "locked-2.csv", seed: 4)
        #expect(((thrice["error"] as? [String: Any])?["message"] as? String)?.contains("(gave up after 3 attempts)") == true, "\(thrice)")
        #expect(Self.seconds(thrice, from: "startedAt", to: "finishedAt") >= 1.1, "\(thrice)")

        // settle_seconds: a file is not complete before the new settle time …
        try reloading.reload(Self.routes + "settle_seconds: 30\nchunks: auto\nchunk_target_size: 1000\n")
        harness.drop("golden-components/c.csv", AgentHarness.componentsCSV(seed: 5, rows: 300))
        Thread.sleep(forTimeInterval: 2.5)
        #expect(harness.status("golden-components/c.csv") == nil)
        // … and is once a reload shortens it. chunk_target_size: about one chunk per 1000 bytes.
        try reloading.reload(Self.routes + "settle_seconds: 0.3\nchunks: auto\nchunk_target_size: 1000\n")
        let bySize = try harness.finalStatus("golden-components/c.csv")
        #expect(bySize["status"] as? String == "SUCCEEDED", "\(bySize)")
        #expect((bySize["totalChunks"] as? Int ?? 0) >= 5, "\(bySize)")
        #expect(harness.stop(reloading.agent) == 0)
    }

    @Test func settingsOfTheAgentsHousekeeping() throws {
        let first = "/metrics-a.prom"
        let reloading = try Reloading(
            { root in
                Self.routes + "status_interval_ms: 5000\nmetrics_file: \(root)\(first)\nrescan_interval_seconds: 60\n"
                    + "claim_lease_seconds: 600\ngrace_period_seconds: 30\nsettle_seconds: 0.3\n"
            },
            removing: [
                "NEXUS_INGEST_STATUS_INTERVAL_MS", "NEXUS_INGEST_METRICS_FILE", "NEXUS_INGEST_RESCAN_INTERVAL_SECONDS",
                "NEXUS_INGEST_GRACE_PERIOD_SECONDS", "NEXUS_INGEST_SETTLE_SECONDS",
            ])
        let harness = reloading.harness
        /// How many times the metrics file at `path` is rewritten within 1.5 s.
        func rewrites(_ path: String) -> Int {
            var seen: Set<UInt64> = []
            let deadline = Date().addingTimeInterval(1.5)
            while Date() < deadline {
                var info = stat()
                if stat(path, &info) == 0 { seen.insert(UInt64(info.st_ino)) }
                usleep(20_000)
            }
            return seen.count
        }
        try waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: harness.root + first) }
        #expect(rewrites(harness.root + first) <= 2)

        // A claim of another host on a chunk that started two minutes ago: within the lease.
        let job = try harness.connection.query(
            "INSERT INTO import_job (type, target, status, created_by, total_chunks) VALUES ('PRICE_LIST_COMPONENTS', 'golden', 'FAILED', 'test', 1) RETURNING id"
        ).first!.require(0, as: Int64.self)
        try harness.connection.query(
            "INSERT INTO import_chunk (import_job_id, chunk_index, input_rows, byte_size, started_at) VALUES ($1, 0, 1, 1, now() - INTERVAL '2 minutes')",
            job)
        let claim = harness.spool + "/claimed/job-\(job)-chunk-00000.csv@elsewhere:1:0"
        _ = FileManager.default.createFile(atPath: claim, contents: Data("1,x\n".utf8))
        Thread.sleep(forTimeInterval: 1.5)
        #expect(FileManager.default.fileExists(atPath: claim))

        try reloading.reload(
            Self.routes + "status_interval_ms: 100\nmetrics_file: \(harness.root)/metrics-b.prom\nrescan_interval_seconds: 1\n"
                + "claim_lease_seconds: 30\ngrace_period_seconds: 0\nsettle_seconds: 0.3\n")
        // status_interval_ms and metrics_file: the new file, rewritten every 100 ms.
        try waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: harness.root + "/metrics-b.prom") }
        // At 5000 ms it would be rewritten at most once in 1.5 s; at 100 ms about 15 times, or
        // fewer on a machine busy with other suites: three prove the new interval.
        #expect(rewrites(harness.root + "/metrics-b.prom") >= 3)
        // rescan_interval_seconds and claim_lease_seconds: the expired claim goes back to ready/.
        try waitUntil(seconds: 10) { !FileManager.default.fileExists(atPath: claim) }
        try waitUntil(seconds: 10) { reloading.log.contains("expired claim of another host returned to ready") }

        // grace_period_seconds: SIGTERM while a chunk waits for a lock returns it at once.
        let lock = try PostgresConnection(conninfo: testDatabaseURL!)
        try lock.setSearchPath(harness.schema)
        try lock.executeScript("BEGIN; LOCK TABLE price_list_item IN ACCESS EXCLUSIVE MODE")
        defer { try? lock.executeScript("COMMIT") }
        harness.drop("golden-components/held.csv", AgentHarness.componentsCSV(seed: 9, rows: 50))
        try waitUntil(seconds: 20) {
            ((try? FileManager.default.contentsOfDirectory(atPath: harness.spool + "/claimed")) ?? []).contains { $0.contains("@") }
        }
        let stopped = Date()
        #expect(harness.stop(reloading.agent, seconds: 10) == 0)
        #expect(Date().timeIntervalSince(stopped) < 8)
        #expect(reloading.log.contains("grace period over: unfinished chunks returned to ready/"))
    }
}

/// A file under Tests/Fixtures.
func sampleFixture(_ name: String) -> String {
    "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" }) + "/Tests/Fixtures/" + name
}
