@testable import IngestAgent
import Foundation
import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// `nexus-ingest gc` removes what no reader sees and no retry needs, and nothing else.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
struct GarbageCollectorTests {
    func collect(_ fixture: PipelineFixture, dryRun: Bool = false, hours: Double = 168, keep: Int = 1) throws -> [String: Int] {
        var configuration = fixture.configuration
        configuration.agent.keepPublished = keep
        let report = try GarbageCollector(configuration: configuration).run(dryRun: dryRun, failedOlderThanHours: hours)
        return Dictionary(uniqueKeysWithValues: report.map { ($0.what, $0.count) })
    }

    @Test func replacedSetsAndSupersededComponentRowsGoWhileCurrentDataStays() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        for name in ["a.csv", "b.csv"] {
            let job = try fixture.runImport(fixture.upload(name, try #require(fixture.read(sampleFile("golden-components-xactimate.csv")))), force: true)
            #expect(job.status == .succeeded)
        }
        try fixture.seedProject("P1")
        let generator = XactEstimateGenerator(lines: 500, units: 3, roomsPerUnit: 2, components: 100)
        #expect(try fixture.importXact(fixture.upload("estimate.csv", generator.estimateCSV())).status == .succeeded)
        for name in ["c1.csv", "c2.csv"] {
            #expect(try fixture.importXact(fixture.upload(name, generator.componentsCSV()), type: .xactComponents).status == .succeeded)
        }
        let components = try fixture.currentComponents()
        let dump = try fixture.xactDump()
        #expect(try fixture.count("SELECT count(*) FROM component_summary") == 200)

        // keep_published (default 3) keeps both sets of each for rollback.
        let kept = try collect(fixture, dryRun: true, keep: 3)
        #expect(kept["replaced Golden component sets"] == 0)
        #expect(kept["superseded or failed XACT component summaries"] == 0)
        let planned = try collect(fixture, dryRun: true)
        #expect(planned["replaced Golden component sets"] == 1)
        #expect(planned["superseded or failed XACT component summaries"] == 100)
        #expect(try fixture.count("SELECT count(*) FROM component_summary") == 200)
        #expect(try fixture.componentSetTables() == 2)
        let done = try collect(fixture)
        #expect(done == planned)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set") == 1)
        // The replaced set's table is dropped, not emptied.
        #expect(try fixture.componentSetTables() == 1)
        #expect(try fixture.count("SELECT count(*) FROM component_summary") == 100)
        #expect(try fixture.count("SELECT count(*) FROM raw_component_row") == 100)
        #expect(try fixture.currentComponents() == components)
        #expect(try fixture.xactDump() == dump)
        // Nothing left the second time.
        #expect(try collect(fixture).values.allSatisfy { $0 == 0 })
    }

    /// A second `gc` of the schema waits while one runs (each could otherwise pick a table the
    /// other merges or drops first), then runs.
    @Test func aSecondRunWaitsForTheFirst() throws {
        let fixture = try PipelineFixture()
        let configuration = fixture.configuration
        let lock = GarbageCollector.lockName(schema: configuration.databaseSchema)
        // This session stands for the first run.
        try fixture.connection.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", lock)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<GarbageCollector.Report, any Error>?
        let thread = Thread {
            outcome = Result { try GarbageCollector(configuration: configuration).run(dryRun: false, failedOlderThanHours: 168) }
            done.signal()
        }
        thread.start()
        // Sessions waiting for that lock (a one-key advisory lock: the key's halves in classid and objid).
        let waiting = """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted
              AND (classid::bigint << 32 | objid::bigint) = hashtextextended($1, 0)
            """
        for _ in 0..<200 where try fixture.count(waiting, lock) == 0 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try fixture.count(waiting, lock) == 1)
        #expect(outcome == nil)
        try fixture.connection.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", lock)
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(try outcome?.get().isEmpty == false)
    }

    /// The temporary file of a status write killed before its rename, two hours old, goes; a
    /// fresh one (a write in progress) and the status file stay.
    @Test func leftoverTemporaryStatusFilesUnderTheDropRootGo() throws {
        let fixture = try PipelineFixture()
        let old = fixture.upload(".estimate.csv.status.json.1.9f86d081884c7d65.tmp", "{")
        let fresh = fixture.upload(".estimate.csv.status.json.2.ab.tmp", "{")
        let status = fixture.upload("estimate.csv.status.json", "{}")
        var times = [timespec(tv_sec: time(nil) - 7_200, tv_nsec: 0), timespec(tv_sec: time(nil) - 7_200, tv_nsec: 0)]
        try #require(utimensat(AT_FDCWD, old, &times, 0) == 0)
        let key = "status files' temporary files left by killed writes under the drop root"
        #expect(try collect(fixture, dryRun: true)[key] == 1)
        #expect(fixture.exists(old))
        #expect(try collect(fixture)[key] == 1)
        #expect(!fixture.exists(old) && fixture.exists(fresh) && fixture.exists(status))
    }

    @Test func aFailedJobKeepsItsDataForRetryUntilItIsOld() throws {
        let fixture = try PipelineFixture()
        fixture.settings.chunks = .fixed(2)
        try fixture.seedProject("P1")
        try fixture.connection.executeScript(
            """
            CREATE FUNCTION refuse_sow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no SOW'; END $$;
            CREATE TRIGGER refuse_sow BEFORE INSERT ON sow FOR EACH ROW EXECUTE FUNCTION refuse_sow();
            """)
        let generator = XactEstimateGenerator(lines: 500, units: 3, roomsPerUnit: 2, components: 0)
        let failed = try fixture.importXact(fixture.upload("estimate.csv", generator.estimateCSV()))
        #expect(failed.status == .failed)
        // A stale chunk file of the failed job, as a crash could leave one.
        let spool = Spool(root: fixture.settings.spoolDirectory)
        fixture.upload("stale.csv", "x")
        _ = try Files.rename(fixture.directory + "/stale.csv", to: "\(spool.readyDirectory)/\(Spool.chunkFileName(job: failed.id, index: 0))")

        let young = try collect(fixture)
        #expect(young["failed estimate versions of old failed jobs"] == 0)
        #expect(young["failed jobs no longer retryable"] == 0)
        #expect(young["spool files of ended jobs"] == 1)
        // The version's raw rows, in its own table (not attached: never published).
        let version = try fixture.count("SELECT id FROM estimate_version WHERE import_job_id = $1", failed.id)
        #expect(try fixture.count("SELECT count(*) FROM raw_xact_row_v\(version)") == 500)

        // The import's registration ended just now: kept; one that ended 8 days ago goes.
        #expect(young["agent registrations ended over 7 days ago"] == 0)
        try fixture.connection.executeScript(
            "INSERT INTO ingest_agent (host, pid, kind, version, ended_at) VALUES ('old', 1, 'import', '0.1.0', now() - INTERVAL '8 days')")

        let old = try collect(fixture, hours: 0)
        #expect(old["failed estimate versions of old failed jobs"] == 1)
        #expect(old["failed jobs no longer retryable"] == 1)
        #expect(old["agent registrations ended over 7 days ago"] == 1)
        #expect(try fixture.count("SELECT count(*) FROM ingest_agent") == 1)
        #expect(try fixture.count("SELECT (to_regclass('raw_xact_row_v\(version)') IS NOT NULL)::int") == 0)
        try fixture.connection.executeScript("DROP TRIGGER refuse_sow ON sow")
        #expect(performing: { try RetryRunner(configuration: fixture.configuration).run(job: failed.id, createdBy: "test") },
                throws: { ($0 as? ImportFailure)?.message.contains("gc has removed its partial data") == true })
    }
}
