import Foundation
import IngestPostgres
import Testing

/// A drop root, spool and schema of their own, and `nexus-ingest run` processes on them.
final class AgentHarness: @unchecked Sendable {
    let schema = "agent_\(UInt32.random(in: 0...UInt32.max))"
    let root: String
    var dropRoot: String { root + "/uploads/pricing" }
    var spool: String { root + "/spool" }
    let connection: PostgresConnection
    private var processes: [Process] = []
    private(set) var logs: [String] = []

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent(schema).path
        try FileManager.default.createDirectory(atPath: root + "/uploads/pricing/golden-components", withIntermediateDirectories: true)
        connection = try PostgresConnection(conninfo: testDatabaseURL!)
        let migrated = try runNexusIngest(["migrate"], environment: environment)
        #expect(migrated.status == 0, "\(migrated.output)")
        try connection.setSearchPath(schema)
        try connection.executeScript(
            """
            INSERT INTO price_list (kind, code, label, revision, is_active) VALUES ('GOLDEN', 'XACT_ALL', 'seed', 1, true);
            INSERT INTO price_list_item (price_list_id, cat, sel, activity, description, canonical_key_hash)
            SELECT p.id, c, 'S' || s, '+', 'Item ' || c || s, c || s FROM price_list p,
                   unnest(ARRAY['DRY', 'WTR', 'PNT']) c, generate_series(0, 99) s;
            """)
    }

    deinit {
        for process in processes where process.isRunning { process.terminate() }
        try? connection.executeScript("DROP SCHEMA IF EXISTS \(try! connection.quoteIdentifier(schema)) CASCADE")
        if getenv("NEXUS_INGEST_TEST_KEEP_AGENT_ROOT") == nil { try? FileManager.default.removeItem(atPath: root) }
    }

    var environment: [String: String] {
        [
            "NEXUS_INGEST_DATABASE_URL": testDatabaseURL!, "NEXUS_INGEST_DATABASE_SCHEMA": schema, "NEXUS_INGEST_CONFIG": "",
            "NEXUS_INGEST_DROP_ROOT": dropRoot, "NEXUS_INGEST_SPOOL_DIR": spool, "NEXUS_INGEST_SETTLE_SECONDS": "0.5",
            "NEXUS_INGEST_RESCAN_INTERVAL_SECONDS": "2", "NEXUS_INGEST_WORKERS": "2", "NEXUS_INGEST_STATUS_INTERVAL_MS": "100",
            "NEXUS_INGEST_GRACE_PERIOD_SECONDS": "10", "NEXUS_INGEST_METRICS_FILE": root + "/metrics.prom",
        ]
    }

    /// Starts `nexus-ingest run` with the harness's environment plus `extra`, less the
    /// variables in `removing` (so that a config file's values for them count); its stderr
    /// goes to a log file of its own.
    @discardableResult
    func start(extra: [String: String] = [:], removing: Set<String> = []) throws -> Process {
        let log = root + "/agent-\(processes.count).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = nexusIngestBinary
        process.arguments = ["run"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(extra) { $1 }) { $1 }
            .filter { !removing.contains($0.key) }
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        processes.append(process)
        logs.append(log)
        try waitUntil(seconds: 20) { self.log(self.logs.count - 1).contains("agent starting") }
        return process
    }

    func log(_ index: Int) -> String { (try? String(contentsOfFile: logs[index], encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and returns the exit status (nil if it did not exit within `seconds`).
    func stop(_ process: Process, seconds: Double = 20) -> Int32? {
        process.terminate()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Writes a file the way an SFTP server does: open, write, close (no temp file + rename).
    func drop(_ relative: String, _ text: String) {
        let path = dropRoot + "/" + relative
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// A components file whose rows differ by `seed` (so every file has its own content).
    static func componentsCSV(seed: Int, rows: Int = 3) -> String {
        var text = "Code,Description,Quantity,Unit Price\n"
        for i in 0..<rows { text += "DRYS\(i % 100),Part \(seed)-\(i),\(seed).\(i % 10),1.5\n" }
        return text
    }

    /// The status document of an upload, once it exists.
    func status(_ relative: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: dropRoot + "/" + relative + ".status.json") else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// Waits until the upload's status is final and returns it.
    func finalStatus(_ relative: String, seconds: Double = 60) throws -> [String: Any] {
        var result: [String: Any]?
        try waitUntil(seconds: seconds) {
            result = self.status(relative)
            let status = result?["status"] as? String
            return status == "SUCCEEDED" || status == "FAILED"
        }
        return result!
    }

    func count(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> Int {
        try connection.query(sql, parameters: parameters).first!.require(0, as: Int.self)
    }
}

/// Polls `condition` every 50 ms until it holds; fails the test after `seconds`.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    Issue.record("condition not met within \(seconds) s")
    throw CancellationError()
}
