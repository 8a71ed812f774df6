import Foundation
import IngestPostgres
import Testing

/// `nexus-ingest run` as a subprocess against a real PostgreSQL and a temp drop root.
@Suite("nexus-ingest run (the agent)", .enabled(if: testDatabaseURL != nil))
struct AgentTests {
    @Test func importsUploadsOnceWhenCompleteAndIgnoresTheRest() throws {
        let harness = try AgentHarness()
        harness.drop("golden-components/before.csv", AgentHarness.componentsCSV(seed: 1))  // present before start
        let agent = try harness.start()

        // Written slowly in pieces, the writer keeping the file open in between.
        let slow = harness.dropRoot + "/golden-components/slow.csv"
        let fd = open(slow, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        for (index, piece) in ["Code,Description,Quantity,Unit Price\n", "DRYS1,a,1,1\n", "DRYS2,b,2,2\n", "DRYS3,c,3,3\n"].enumerated() {
            _ = piece.withCString { write(fd, $0, strlen($0)) }
            if index < 3 { usleep(900_000) }
        }
        #expect(harness.status("golden-components/slow.csv") == nil, "planned while the writer still had it open")
        close(fd)

        // Uploaded as .filepart, then renamed.
        harness.drop("golden-components/renamed.csv.filepart", AgentHarness.componentsCSV(seed: 2))
        try FileManager.default.moveItem(atPath: harness.dropRoot + "/golden-components/renamed.csv.filepart", toPath: harness.dropRoot + "/golden-components/renamed.csv")

        // Entries that are not uploads.
        harness.drop("golden-components/.hidden.csv", "x")
        harness.drop("golden-components/temp.csv.tmp", "x")
        harness.drop("unrouted/other.csv", AgentHarness.componentsCSV(seed: 3))
        harness.drop("golden-components/notes.csv.rejects.csv", "x")
        let outside = harness.root + "/outside.csv"
        _ = FileManager.default.createFile(atPath: outside, contents: Data(AgentHarness.componentsCSV(seed: 4).utf8))
        try FileManager.default.createSymbolicLink(atPath: harness.dropRoot + "/golden-components/link.csv", withDestinationPath: outside)
        #expect(mkfifo(harness.dropRoot + "/golden-components/fifo.csv", 0o644) == 0)

        // A new project directory that already holds a file (moved in whole).
        try FileManager.default.createDirectory(atPath: harness.root + "/P7", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: harness.root + "/P7/estimate.csv", contents: Data("#,Desc\n1,x\n".utf8))
        try FileManager.default.createDirectory(atPath: harness.dropRoot + "/xact-raw", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: harness.root + "/P7", toPath: harness.dropRoot + "/xact-raw/P7")

        // Dropped after the hostile entries: nothing blocks it.
        harness.drop("golden-components/after.csv", AgentHarness.componentsCSV(seed: 5))

        for name in ["before", "slow", "renamed", "after"] {
            let status = try harness.finalStatus("golden-components/\(name).csv")
            #expect(status["status"] as? String == "SUCCEEDED", "\(name): \(status)")
        }
        let slowStatus = try harness.finalStatus("golden-components/slow.csv")
        #expect((slowStatus["result"] as? [String: Any])?["dataRows"] as? Int == 3)
        let xact = try harness.finalStatus("xact-raw/P7/estimate.csv")
        #expect(xact["status"] as? String == "FAILED")
        // A new project directory is watched at once; the project itself does not exist.
        #expect((xact["message"] as? String)?.contains("project 'P7' does not exist") == true, "\(xact)")

        usleep(2_500_000)  // one more rescan: nothing new may appear
        #expect(try harness.count("SELECT count(*) FROM import_job") == 5)
        #expect(try harness.count("SELECT count(DISTINCT csv_path) FROM import_job") == 5)
        for ignored in [".hidden.csv", "temp.csv.tmp", "link.csv", "fifo.csv", "notes.csv.rejects.csv"] {
            #expect(!FileManager.default.fileExists(atPath: harness.dropRoot + "/golden-components/\(ignored).status.json"))
        }
        #expect(!FileManager.default.fileExists(atPath: harness.dropRoot + "/unrouted/other.csv.status.json"))

        // The same content again: a duplicate pointing at the first job.
        harness.drop("golden-components/again.csv", AgentHarness.componentsCSV(seed: 5))
        let again = try harness.finalStatus("golden-components/again.csv")
        let after = try harness.finalStatus("golden-components/after.csv")
        #expect(again["duplicateOf"] as? String == after["jobId"] as? String)

        #expect(harness.stop(agent) == 0)
        let metrics = try String(contentsOfFile: harness.root + "/metrics.prom", encoding: .utf8)
        #expect(metrics.contains("nexus_ingest_jobs_finished_total{status=\"SUCCEEDED\"}"))
        let printed = try runNexusIngest(["status", "--metrics"], environment: harness.environment)
        #expect(printed.status == 0)
        #expect(printed.output == metrics)
        let log = harness.log(0)
        #expect(log.contains("inotify_max_user_watches="))
        #expect(log.contains("msg=\"agent stopped\""))
    }

    @Test func aGoldenPETLFileDroppedIntoItsRouteBecomesTheActiveRevision() throws {
        let harness = try AgentHarness()
        // The 5 sample items replace the harness's 300: the removal guard is off for this route
        // (PublishGuardTests covers it).
        let agent = try harness.start(extra: ["NEXUS_INGEST_ROUTES": "golden-petl/replace=golden-petl:replace;max_removed_ratio=1"])
        let root = String(#filePath.split(separator: "/Tests/").first!)
        let sample = try String(contentsOfFile: "/" + root.drop(while: { $0 == "/" }) + "/Tests/Fixtures/golden-petl.csv", encoding: .utf8)
        harness.drop("golden-petl/replace/prices.csv", sample)
        let status = try harness.finalStatus("golden-petl/replace/prices.csv")
        #expect(status["status"] as? String == "SUCCEEDED", "\(status)")
        let result = status["result"] as? [String: Any]
        #expect(result?["mode"] as? String == "replace")
        #expect(result?["revision"] as? Int == 2)  // the harness seeded revision 1
        #expect(try harness.count("SELECT revision FROM price_list WHERE kind = 'GOLDEN' AND is_active") == 2)
        #expect(try harness.count("SELECT count(*) FROM golden_price_list_item_current") == 5)
        #expect(harness.stop(agent) == 0)
    }

    @Test func anEstimateAndItsComponentsDroppedIntoAProjectsRoutes() throws {
        let harness = try AgentHarness()
        let agent = try harness.start(extra: ["NEXUS_INGEST_AUTO_CREATE_PROJECTS": "true"])
        let root = "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" }) + "/Tests/Fixtures/"
        harness.drop("xact-raw/P-100/estimate.csv", try String(contentsOfFile: root + "xact-raw.csv", encoding: .utf8))
        let raw = try harness.finalStatus("xact-raw/P-100/estimate.csv")
        #expect(raw["status"] as? String == "SUCCEEDED", "\(raw)")
        #expect((raw["result"] as? [String: Any])?["itemCount"] as? Int == 4)
        harness.drop("xact-components/P-100/components.csv", try String(contentsOfFile: root + "xact-components.csv", encoding: .utf8))
        let components = try harness.finalStatus("xact-components/P-100/components.csv")
        #expect(components["status"] as? String == "SUCCEEDED", "\(components)")
        #expect(try harness.count("SELECT count(*) FROM sow_component_allocation_current") == 11)
        // A project that does not exist, without auto-creation: a clear failure.
        #expect(harness.stop(agent) == 0)
        let strict = try harness.start()
        harness.drop("xact-raw/NOPE/estimate.csv", try String(contentsOfFile: root + "xact-raw.csv", encoding: .utf8))
        let refused = try harness.finalStatus("xact-raw/NOPE/estimate.csv")
        #expect(refused["status"] as? String == "FAILED")
        #expect((refused["error"] as? [String: Any])?["message"] as? String
            == "project 'NOPE' does not exist; create it, or set auto_create_projects: true")
        #expect(harness.stop(strict) == 0)
    }

    @Test func hostileDropsAreNeitherFollowedNorBlockingAndSecretsStayOut() throws {
        let harness = try AgentHarness()
        // A password in the connection string (trust authentication ignores it): it must not
        // appear in logs, status files or metrics.
        let agent = try harness.start(extra: ["NEXUS_INGEST_DATABASE_URL": harness.environment["NEXUS_INGEST_DATABASE_URL"]! + "&password=s3cr3t-pw"])
        let directory = harness.dropRoot + "/golden-components"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outside = harness.root + "/outside.csv"
        _ = FileManager.default.createFile(atPath: outside, contents: Data(AgentHarness.componentsCSV(seed: 21).utf8))
        #expect(link(outside, directory + "/hardlink.csv") == 0)
        // A Unix socket, and (as root) a character device.
        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = directory + "/socket.csv"
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in socketPath.utf8.prefix(buffer.count - 1).enumerated() { buffer[i] = byte }
        }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        defer { close(socketFD) }
        if getuid() == 0 { #expect(mknod(directory + "/device.csv", S_IFCHR | 0o644, dev_t(0x103) /* makedev(1, 3): /dev/null */) == 0) }
        // A directory named like a file, a name with a line break, a name that is not UTF-8,
        // a 255-byte name.
        try FileManager.default.createDirectory(atPath: directory + "/folder.csv", withIntermediateDirectories: true)
        harness.drop("golden-components/line\nbreak.csv", AgentHarness.componentsCSV(seed: 22))
        let invalid = Array((directory + "/bad-\u{1}").utf8) + [0xFF, 0xFE] + Array(".csv".utf8) + [0]
        let fd = invalid.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { open($0, O_WRONLY | O_CREAT, 0o644) }
        }
        close(fd)
        let long = String(repeating: "n", count: 251) + ".csv"
        harness.drop("golden-components/" + long, AgentHarness.componentsCSV(seed: 23))
        harness.drop("golden-components/after.csv", AgentHarness.componentsCSV(seed: 24))

        // Nothing blocks the next file; the odd but regular names are imported.
        #expect(try harness.finalStatus("golden-components/after.csv")["status"] as? String == "SUCCEEDED")
        #expect(try harness.finalStatus("golden-components/line\nbreak.csv")["status"] as? String == "SUCCEEDED")
        try waitUntil(seconds: 30) { try harness.count("SELECT count(*) FROM import_job WHERE status = 'SUCCEEDED'") >= 3 }
        // The 255-byte name has no room for a status file name: imported all the same.
        #expect(try harness.count("SELECT count(*) FROM import_job WHERE file_name = $1 AND status = 'SUCCEEDED'", long) == 1)
        usleep(2_500_000)
        #expect(try harness.count("SELECT count(*) FROM import_job") == 3)
        for ignored in ["hardlink.csv", "socket.csv", "device.csv", "folder.csv"] {
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/\(ignored).status.json"), "\(ignored)")
        }
        // Status files are 0640; the log names each ignored entry once, on one line.
        var info = stat()
        #expect(stat(directory + "/after.csv.status.json", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o640)
        #expect(harness.stop(agent) == 0)
        let log = harness.log(0)
        #expect(log.contains("reason=\"the file has 2 hard links; upload a copy, not a link\""), "\(log)")
        #expect(log.contains("path=\"\(directory)/line\\nbreak.csv\""))
        #expect(log.contains("reason=\"the file name is not valid UTF-8\""))
        #expect(log.contains("socket.csv reason=\"not a regular file"))
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("break.csv") })
        for file in [harness.log(0), (try? String(contentsOfFile: harness.root + "/metrics.prom", encoding: .utf8)) ?? "",
                     (try? String(contentsOfFile: directory + "/after.csv.status.json", encoding: .utf8)) ?? ""] {
            #expect(!file.contains("s3cr3t-pw"))
        }
        // Nothing was written outside the drop root and the spool.
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.root).sorted().allSatisfy {
            ["agent-0.log", "metrics.prom", "outside.csv", "spool", "uploads"].contains($0)
        })
    }

    @Test func aStatusFileLostInACrashIsRewrittenAtTheNextStart() throws {
        let harness = try AgentHarness()
        var agent = try harness.start()
        harness.drop("golden-components/a.csv", AgentHarness.componentsCSV(seed: 31))
        #expect(try harness.finalStatus("golden-components/a.csv")["status"] as? String == "SUCCEEDED")
        #expect(harness.stop(agent) == 0)
        // As if the agent died between the job's last commit and the status write.
        let path = harness.dropRoot + "/golden-components/a.csv.status.json"
        try FileManager.default.removeItem(atPath: path)
        agent = try harness.start()
        #expect(try harness.finalStatus("golden-components/a.csv")["status"] as? String == "SUCCEEDED")
        #expect(try harness.count("SELECT count(*) FROM import_job") == 1)
        #expect(harness.stop(agent) == 0)
        #expect(harness.log(1).contains("status file rewritten"))
    }

    @Test func threeHundredFilesAtOnceAreEachImportedOnce() throws {
        let harness = try AgentHarness()
        let agent = try harness.start()
        let staging = harness.root + "/staging"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for i in 0..<300 {
            _ = FileManager.default.createFile(atPath: "\(staging)/f\(i).csv", contents: Data(AgentHarness.componentsCSV(seed: 100 + i, rows: 2).utf8))
        }
        for i in 0..<300 {
            try FileManager.default.moveItem(atPath: "\(staging)/f\(i).csv", toPath: harness.dropRoot + "/golden-components/f\(i).csv")
        }
        try waitUntil(seconds: 240) {
            try harness.count("SELECT count(*) FROM import_job WHERE status IN ('SUCCEEDED', 'FAILED')") >= 300
        }
        #expect(try harness.count("SELECT count(*) FROM import_job") == 300)
        let failures = try harness.connection.query(
            "SELECT string_agg(DISTINCT error_json->>'message', '; ') FROM import_job WHERE status = 'FAILED'").first?[0]
        #expect(try harness.count("SELECT count(*) FROM import_job WHERE status = 'SUCCEEDED'") == 300, "\(failures ?? "")")
        for i in [0, 150, 299] {
            #expect(try harness.finalStatus("golden-components/f\(i).csv")["status"] as? String == "SUCCEEDED")
        }
        #expect(harness.stop(agent) == 0)
    }

    @Test func twoAgentsOnOneSpoolImportEachFileOnce() throws {
        let harness = try AgentHarness()
        let first = try harness.start()
        let second = try harness.start()
        for i in 0..<20 {
            harness.drop("golden-components/shared\(i).csv", AgentHarness.componentsCSV(seed: 500 + i, rows: 50))
        }
        try waitUntil(seconds: 120) {
            try harness.count("SELECT count(*) FROM import_job WHERE status IN ('SUCCEEDED', 'FAILED')") >= 20
        }
        usleep(2_500_000)  // both agents rescan once more
        #expect(try harness.count("SELECT count(*) FROM import_job") == 20)
        #expect(try harness.count("SELECT count(*) FROM import_job WHERE status = 'SUCCEEDED'") == 20)
        #expect(try harness.count("SELECT count(*) FROM import_chunk WHERE state <> 'DONE'") == 0)
        #expect(harness.stop(first) == 0)
        #expect(harness.stop(second) == 0)
    }

    @Test func killDashNineMidJobThenRestartEndsWithExactlyTheExpectedRows() throws {
        let harness = try AgentHarness()
        // A reference import of the same file in-process, for the expected rows.
        var big = "Cat,Sel,Component Code,Component Desc,Qty,Material\n"
        for i in 0..<150_000 { big += "\(["DRY", "WTR", "PNT"][i % 3]),S\(i % 100),K\(i % 7919),d,\(i % 97).5,\(i % 13)\n" }
        harness.drop("golden-components/big.csv", big)
        let agent = try harness.start(extra: ["NEXUS_INGEST_CHUNKS": "8"])
        // Kill it while the job is loading chunks (some done, not all).
        try waitUntil(seconds: 60) {
            try harness.count("SELECT count(*) FROM import_chunk WHERE state = 'DONE'") >= 1
        }
        kill(agent.processIdentifier, SIGKILL)
        #expect(try harness.count("SELECT count(*) FROM import_chunk WHERE state = 'PENDING'") > 0, "the job ended before the kill")
        agent.waitUntilExit()
        let restarted = try harness.start(extra: ["NEXUS_INGEST_CHUNKS": "8"])
        let status = try harness.finalStatus("golden-components/big.csv", seconds: 180)
        #expect(status["status"] as? String == "SUCCEEDED", "\(status)")
        #expect(try harness.count("SELECT count(*) FROM import_job WHERE status = 'RUNNING'") == 0)
        let loaded = try harness.count("SELECT count(*) FROM price_list_component_current")
        let sum = try harness.connection.query("SELECT sum(quantity)::text FROM price_list_component_current").first?[0]
        #expect(harness.stop(restarted) == 0)

        // The same file imported without interruption into a fresh schema.
        let reference = try AgentHarness()
        reference.drop("golden-components/big.csv", big)
        let result = try runNexusIngest(
            ["import", reference.dropRoot + "/golden-components/big.csv", "--type", "golden-components"],
            environment: reference.environment)
        #expect(result.status == 0, "\(result.output)")
        #expect(try reference.count("SELECT count(*) FROM price_list_component_current") == loaded)
        #expect(try reference.connection.query("SELECT sum(quantity)::text FROM price_list_component_current").first?[0] == sum)
        // No orphan spool files.
        for directory in ["ready", "claimed"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.spool + "/" + directory).isEmpty, "\(directory)")
        }
    }

    @Test func sigtermExitsZeroWithinTheGracePeriod() throws {
        let harness = try AgentHarness()
        let agent = try harness.start()
        harness.drop("golden-components/x.csv", AgentHarness.componentsCSV(seed: 9))
        _ = try harness.finalStatus("golden-components/x.csv")
        let started = Date()
        #expect(harness.stop(agent, seconds: 12) == 0)
        #expect(Date().timeIntervalSince(started) < 10)
    }
}

@Suite("nexus-ingest run: signals and systemd", .enabled(if: testDatabaseURL != nil))
struct AgentSignalTests {
    @Test func sighupReloadsRoutesAndKeepsTheOldConfigurationWhenTheNewOneIsBad() throws {
        let harness = try AgentHarness()
        let config = harness.root + "/nexus-ingest.yaml"
        _ = FileManager.default.createFile(atPath: config, contents: Data("routes:\n  - golden-components=golden-components\n".utf8))
        let notify = try NotifySocket(path: harness.root + "/notify.sock")
        let socketPath = notify.path
        func nextNotification() -> String { notify.next() }

        let agent = try harness.start(extra: ["NEXUS_INGEST_CONFIG": config, "NOTIFY_SOCKET": socketPath])
        #expect(nextNotification() == "READY=1")
        /// Writes the config file and sends SIGHUP; returns once the agent is ready again.
        func reload(_ text: String) {
            _ = FileManager.default.createFile(atPath: config, contents: Data(text.utf8))
            kill(agent.processIdentifier, SIGHUP)
            #expect(nextNotification() == "RELOADING=1")
            #expect(nextNotification() == "READY=1")
        }

        // A new route appears on SIGHUP.
        reload("routes:\n  - golden-components=golden-components\n  - extra=golden-components\n")
        try waitUntil(seconds: 10) { harness.log(0).contains("configuration reloaded") }
        harness.drop("extra/routed.csv", AgentHarness.componentsCSV(seed: 77))
        #expect(try harness.finalStatus("extra/routed.csv")["status"] as? String == "SUCCEEDED")

        // A broken file is refused and the running configuration stays.
        reload("routes: [unclosed\n")
        try waitUntil(seconds: 10) { harness.log(0).contains("configuration reload failed") }
        harness.drop("golden-components/still.csv", AgentHarness.componentsCSV(seed: 78))
        #expect(try harness.finalStatus("golden-components/still.csv")["status"] as? String == "SUCCEEDED")

        // So is a value of the wrong type or a misspelt key, and the log says why.
        reload("routes:\n  - golden-components=golden-components\nmax_rejects: 5O\nsettle_secnds: 1\n")
        try waitUntil(seconds: 10) { harness.log(0).components(separatedBy: "configuration reload failed").count == 3 }
        let failure = harness.log(0).components(separatedBy: "\n").last { $0.contains("configuration reload failed") } ?? ""
        #expect(failure.contains("line 3: max_rejects: '5O' is not a whole number"))
        #expect(failure.contains("line 4: settle_secnds: unknown key; did you mean 'settle_seconds'?"))

        // A setting that needs a restart is named when it changes.
        reload("routes:\n  - golden-components=golden-components\nmigrate_on_start: false\n")
        try waitUntil(seconds: 10) { harness.log(0).contains("takes effect after a restart") }
        #expect(harness.log(0).contains("key=migrate_on_start"))

        // Reject limits apply to the next file after SIGHUP: one bad row fails under
        // max_rejects 0 and imports under max_rejects 5, in the same running agent.
        let oneBadRow = AgentHarness.componentsCSV(seed: 79) + "DRYS7,Bad,not-a-number,1.5\n"
        harness.drop("golden-components/strict.csv", oneBadRow)
        #expect(try harness.finalStatus("golden-components/strict.csv")["status"] as? String == "FAILED")
        reload("routes:\n  - golden-components=golden-components\nmax_rejects: 5\n")
        harness.drop("golden-components/tolerant.csv", oneBadRow.replacingOccurrences(of: "Part 79", with: "Part 80"))
        let tolerant = try harness.finalStatus("golden-components/tolerant.csv")
        #expect(tolerant["status"] as? String == "SUCCEEDED")
        #expect((tolerant["rejects"] as? [String: Any])?["count"] as? Int == 1)

        #expect(harness.stop(agent) == 0)
        #expect(nextNotification() == "STOPPING=1")
    }

    @Test func theWatchdogIsPingedWhileTheAgentMakesProgress() throws {
        let harness = try AgentHarness()
        let notify = try NotifySocket(path: harness.root + "/notify.sock")
        // WatchdogSec=0.4s: a ping every 0.2 s.
        let agent = try harness.start(extra: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        var (pings, ready) = (0, false)
        let started = Date()
        while pings < 5 && Date().timeIntervalSince(started) < 10 {
            switch notify.next() {
            case "WATCHDOG=1": pings += 1
            case "READY=1": ready = true
            default: break
            }
        }
        #expect(ready && pings == 5)
        #expect(Date().timeIntervalSince(started) < 5)
        // Still pinged while it works.
        harness.drop("golden-components/busy.csv", AgentHarness.componentsCSV(seed: 91, rows: 2_000))
        #expect(try harness.finalStatus("golden-components/busy.csv")["status"] as? String == "SUCCEEDED")
        #expect(notify.next() == "WATCHDOG=1")
        // WATCHDOG_PID naming another process: not this agent's watchdog.
        #expect(harness.stop(agent) == 0)
        let other = try harness.start(extra: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": "1"])
        notify.drain()
        Thread.sleep(forTimeInterval: 1)
        #expect(!notify.drain().contains("WATCHDOG=1"))
        #expect(harness.stop(other) == 0)
    }
}

/// `NOTIFY_SOCKET`: a datagram socket of the test's own, as systemd provides.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// The next message, waiting up to 20 s ("" if none came).
    func next() -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    /// The messages waiting now, without blocking.
    @discardableResult
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard n > 0 else { return messages }
            messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
    }
}
