@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// Migration 14 (each estimate version's raw rows in a table of their own) upgrades a database
/// in place: the published versions' raw rows keep their rows and ids and stay attached, the
/// rows of a version loading across the upgrade move to its own table and publish from there, a
/// failed import's rows wait in theirs for a retry or for gc, and readers see the same estimate.
@Suite("XACT raw row storage upgrade", .enabled(if: TestDatabase.isConfigured))
struct RawRowStorageUpgradeTests {
    let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'raw_xact_row'::regclass"

    /// The raw rows of `version` in `table`, as a count and an md5 of their text.
    func rows(_ fixture: PipelineFixture, _ version: Int64, in table: String = "raw_xact_row") throws -> [String] {
        try fixture.strings(
            "SELECT count(*) || ' ' || coalesce(md5(string_agg(r::text, ',' ORDER BY id)), '') FROM \(table) r WHERE estimate_version_id = $1",
            version)
    }

    /// A copy of `version`'s estimate version row, for a new job of `status` that ended
    /// `endedAgo` ago, with `status` for the version; its id.
    func version(
        _ fixture: PipelineFixture, like version: Int64, job status: String, endedAgo: String?, versionStatus: String
    ) throws -> Int64 {
        let job = try fixture.count(
            "INSERT INTO import_job (type, status, finished_at) VALUES ('XACT_RAW', $1, now() - $2::interval) RETURNING id",
            status, endedAgo)
        return Int64(try fixture.count(
            """
            INSERT INTO estimate_version (project_id, source_type, file_name, stored_path, estimate_kind, sequence_no,
                default_payer_type, status, imported_by, import_job_id)
            SELECT project_id, source_type, 'later.csv', stored_path, estimate_kind, sequence_no, default_payer_type, $2,
                   imported_by, $3
            FROM estimate_version WHERE id = $1 RETURNING id
            """, version, versionStatus, job))
    }

    @Test func everyVersionKeepsItsRawRowsAndReadersTheirAnswer() throws {
        let fixture = try PipelineFixture(migrations: Array(Migrations.all.prefix(13)))
        let generator = XactEstimateGenerator(lines: 300, components: 60)
        // Two published versions (the second current) as the previous schema's imports left
        // them, with a components import allocated over the current one.
        try fixture.importXactWithComponentsAsBefore(generator)
        let (first, current) = (Int64(1), Int64(2))
        #expect(try fixture.currentVersion() == current)
        // A version still loading (the current one's rows again, its job RUNNING), a failed
        // job's version with five rows and an old failure, and a recent failure without rows.
        let loading = try version(fixture, like: current, job: "RUNNING", endedAgo: nil, versionStatus: "parsing")
        let failed = try version(fixture, like: current, job: "FAILED", endedAgo: "1 day", versionStatus: "failed")
        let empty = try version(fixture, like: current, job: "FAILED", endedAgo: "0 seconds", versionStatus: "failed")
        let columns = try fixture.strings(
            """
            SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'raw_xact_row'::regclass AND attnum > 0 AND NOT attisdropped
              AND attname NOT IN ('id', 'estimate_version_id')
            """)[0]
        try fixture.connection.query(
            "INSERT INTO raw_xact_row (estimate_version_id, \(columns)) SELECT $1, \(columns) FROM raw_xact_row WHERE estimate_version_id = $2 ORDER BY id",
            loading, current)
        try fixture.connection.query(
            "INSERT INTO raw_xact_row (estimate_version_id, \(columns)) SELECT $1, \(columns) FROM raw_xact_row WHERE estimate_version_id = $2 AND line_no <= 5",
            failed, current)
        let before = try [first, current].map { try rows(fixture, $0) } + [try rows(fixture, loading), try rows(fixture, failed)]
        let dump = try fixture.xactDump()
        let allocations = try fixture.allocationSnapshot()
        let lastId = try fixture.count("SELECT max(id) FROM raw_xact_row")
        #expect(before.map { $0[0].split(separator: " ")[0] } == ["120", "300", "300", "5"])

        try fixture.migrate()
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE oid = 'raw_xact_row'::regclass AND relkind = 'p'") == 1)
        // The published versions' table and the default one; the others' tables apart.
        #expect(try fixture.count(partitions) == 2)
        let moved = "raw_xact_row_m1_2"
        let after = try [first, current].map { try rows(fixture, $0) }
            + [try rows(fixture, loading, in: "raw_xact_row_v\(loading)"), try rows(fixture, failed, in: "raw_xact_row_v\(failed)")]
        #expect(after == before)
        #expect(try rows(fixture, first, in: moved) == before[0])
        #expect(try fixture.count("SELECT count(*) FROM raw_xact_row WHERE estimate_version_id IN ($1, $2)", loading, failed) == 0)
        #expect(try fixture.count("SELECT count(*) FROM raw_xact_row_v\(empty)") == 0)
        #expect(try fixture.count("SELECT count(*) FROM pg_index WHERE indrelid = '\(moved)'::regclass") == 3)
        #expect(try fixture.xactDump() == dump)
        #expect(try fixture.allocationSnapshot() == allocations)
        // No key refers to the raw rows (so that gc can merge their tables), and nothing refers
        // from them to estimate_version any more.
        #expect(try fixture.count("SELECT count(*) FROM pg_constraint WHERE confrelid = 'raw_xact_row'::regclass") == 0)
        #expect(try fixture.count("SELECT count(*) FROM pg_constraint WHERE conrelid = 'raw_xact_row'::regclass AND contype = 'f'") == 0)

        // The import loading across the upgrade publishes from its table: attached, with its
        // items over it.
        let project = try fixture.connection.query("SELECT id, company_id FROM project WHERE code = 'P1'").first!
        let job = JobContext(
            jobId: Int64(try fixture.count("SELECT import_job_id FROM estimate_version WHERE id = $1", loading)),
            facts: [
                "projectId": .int(try project.require(0, as: Int64.self)), "companyId": .int(try project.require(1, as: Int64.self)),
                "estimateVersionId": .int(loading), "projectCode": "P1",
            ],
            plan: ["dataRows": 300], header: XactEstimateGenerator.header)
        _ = try fixture.connection.transaction { try XactRawImporter(options: ImportOptions(project: "P1")).finalize($0, job: job) }
        #expect(try fixture.currentVersion() == loading)
        #expect(try fixture.count(partitions) == 3)
        #expect(try rows(fixture, loading) == before[2])
        #expect(try fixture.count("SELECT count(*) FROM sow_item WHERE estimate_version_id = $1", loading) == 300)

        // A new import: its rows in a table of their own, attached, with ids after the old ones.
        let next = try fixture.importXact(fixture.upload("next.csv", XactEstimateGenerator(lines: 200, components: 0).estimateCSV()))
        #expect(next.status == .succeeded, "\(next)")
        let newest = try #require(try fixture.currentVersion())
        #expect(try fixture.count(partitions) == 4)
        #expect(try fixture.count("SELECT count(*) FROM raw_xact_row_v\(newest)") == 200)
        #expect(try fixture.count("SELECT min(id) FROM raw_xact_row WHERE estimate_version_id = $1", newest) > lastId)
        #expect(try fixture.count("SELECT count(*) FROM sow_item WHERE estimate_version_id = $1", newest) == 200)

        // Rollback to the version published before the upgrade: the estimate as before.
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .xactRaw, options: ImportOptions(project: "P1"),
            to: Int64(try fixture.count("SELECT import_job_id FROM estimate_version WHERE id = $1", current)), createdBy: "test")
        #expect(try fixture.xactDump() == dump)

        // Deleting a published version deletes its raw rows (the trigger that stands for the
        // old key's cascade), and its items with them.
        try fixture.connection.query("DELETE FROM estimate_version WHERE id = $1", first)
        #expect(try fixture.count("SELECT count(*) FROM raw_xact_row WHERE estimate_version_id = $1", first) == 0)
        #expect(try fixture.count("SELECT count(*) FROM sow_item WHERE estimate_version_id = $1", first) == 0)
        #expect(try rows(fixture, current) == before[1])

        // gc: the old failure goes with its table; the recent one keeps its (empty) table for a retry.
        let report = try GarbageCollector(configuration: fixture.configuration).run(dryRun: false, failedOlderThanHours: 1)
        #expect(report.first { $0.what == "failed estimate versions of old failed jobs" }?.count == 1)
        #expect(try fixture.count("SELECT (to_regclass('raw_xact_row_v\(failed)') IS NOT NULL)::int") == 0)
        #expect(try fixture.count("SELECT (to_regclass('raw_xact_row_v\(empty)') IS NOT NULL)::int") == 1)
        #expect(try fixture.xactDump() == dump)
    }
}
