@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// `nexus-ingest retry JOB`: a FAILED job finishes with exactly the rows of an uninterrupted
/// import, loading only what it had not loaded.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
struct RetryTests {
    let generator = XactEstimateGenerator(lines: 3_000, units: 6, roomsPerUnit: 5, components: 200)

    func retry(_ fixture: PipelineFixture, _ job: Int64) throws -> RetryRunner.Outcome {
        try RetryRunner(configuration: fixture.configuration).run(job: job, createdBy: "test")
    }

    @Test func aJobWithAFailedChunkFinishesWithTheUninterruptedRows() throws {
        let fixture = try PipelineFixture()
        fixture.settings.chunks = .fixed(6)
        fixture.settings.workers = 1
        try fixture.seedProject("P1")
        // Line 1,500's chunk fails (the trigger stands for any permanent database error).
        try fixture.refuseRawRows(where: "line_no = 1500", message: "line 1500 refused")
        let failed = try fixture.importXact(fixture.upload("estimate.csv", generator.estimateCSV()))
        #expect(failed.status == .failed)
        let done = try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND state = 'DONE'", failed.id)
        #expect(done < 6)
        let version = try fixture.count("SELECT id FROM estimate_version WHERE import_job_id = $1", failed.id)
        let loadedBefore = try fixture.count("SELECT count(*) FROM raw_xact_row_v\(version)")

        try fixture.allowRawRows()
        guard case .resumed(let retried) = try retry(fixture, failed.id) else {
            Issue.record("the job was planned again instead of resumed")
            return
        }
        #expect(retried.status == .succeeded, "\(String(describing: retried.error))")
        #expect(retried.id == failed.id)
        #expect(retried.completedChunks == 6)
        // Every line once: the chunks that were DONE were not loaded again.
        #expect(try fixture.count("SELECT count(*) FROM raw_xact_row") == 3_000)
        #expect(loadedBefore < 3_000)
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND attempts > 1", failed.id) <= 6 - done)
        #expect(try fixture.strings("SELECT status FROM estimate_version WHERE import_job_id = $1", failed.id) == ["completed"])
        try fixture.checkXact(XactModel(generator: XactEstimateGenerator(lines: 3_000, units: 6, roomsPerUnit: 5, components: 0)), "retried")
        // A job that SUCCEEDED is not retried.
        #expect(throws: ImportFailure.self) { try retry(fixture, failed.id) }
    }

    @Test func aFailedFinalizeRunsAgainAlone() throws {
        let fixture = try PipelineFixture()
        try fixture.seedProject("P1")
        try fixture.connection.executeScript(
            """
            CREATE FUNCTION refuse_sow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no SOW'; END $$;
            CREATE TRIGGER refuse_sow BEFORE INSERT ON sow FOR EACH ROW EXECUTE FUNCTION refuse_sow();
            """)
        // Large enough for the raw table's key and indexes to be built by a session of their own.
        let lines = EstimateVersionStorage.rowsBuiltBeside
        let large = XactEstimateGenerator(lines: lines, units: 6, roomsPerUnit: 5, components: 0)
        let failed = try fixture.importXact(fixture.upload("estimate.csv", large.estimateCSV()))
        #expect(failed.error?["code"] == "finalizeFailed")
        #expect(try fixture.strings("SELECT status FROM estimate_version") == ["failed"])
        // Regression: the chunk whose worker ran the failed finalize stays DONE.
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND state <> 'DONE'", failed.id) == 0)
        // The raw table's key (as a unique index) and indexes, built by a session of their own
        // beside the failed finalize, stay with the unattached table for the retry.
        let raw = "raw_xact_row_v\(try fixture.count("SELECT id FROM estimate_version"))"
        let indexes = "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1"
        #expect(try fixture.count(indexes, raw) == 3)
        try fixture.connection.executeScript("DROP TRIGGER refuse_sow ON sow")
        guard case .resumed(let retried) = try retry(fixture, failed.id) else {
            Issue.record("the job was planned again instead of resumed")
            return
        }
        #expect(retried.status == .succeeded, "\(String(describing: retried.error))")
        #expect(try fixture.count("SELECT count(*) FROM sow_item") == lines)
        #expect(try fixture.strings("SELECT status FROM estimate_version") == ["completed"])
        #expect(try fixture.count(indexes, raw) == 3)
        #expect(try fixture.count("SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'", raw) == 1)
    }

    @Test func aChangedFileIsRefusedAndAnUnplannedJobIsPlannedAgain() throws {
        let fixture = try PipelineFixture()
        fixture.settings.chunks = .fixed(3)
        try fixture.seedProject("P1")
        try fixture.refuseRawRows(where: "true", message: "refused")
        let path = fixture.upload("estimate.csv", generator.estimateCSV())
        let failed = try fixture.importXact(path)
        #expect(failed.status == .failed)
        try fixture.allowRawRows()
        var changed = generator.estimateCSV()
        changed[changed.count - 5] = UInt8(ascii: "X")
        fixture.upload("estimate.csv", changed)
        #expect(performing: { try retry(fixture, failed.id) }, throws: { error in
            (error as? ImportFailure)?.message.contains("changed since job \(failed.id) planned it") == true
        })
        #expect(try fixture.strings("SELECT status FROM import_job WHERE id = $1", failed.id) == ["FAILED"])

        // Too many rejects: the plan was never committed; with higher limits the file is
        // planned again as a new job.
        var bad = generator.estimateCSV()
        bad += Array("9999,U,,No room,0,Average,1,1.00,0,1.00,EA\r\n".utf8)
        let rejected = try fixture.importXact(fixture.upload("rejects.csv", bad))
        #expect(rejected.error?["code"] == "tooManyRejects")
        fixture.settings.maxRejects = 5
        guard case .replanned(let replanned) = try retry(fixture, rejected.id) else {
            Issue.record("a job without a plan was resumed")
            return
        }
        #expect(replanned.id != rejected.id)
        #expect(replanned.status == .succeeded, "\(String(describing: replanned.error))")
        #expect(replanned.rejectsCount == 1)
    }
}
