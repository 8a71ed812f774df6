@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// Migration 10 (each XACT components job's allocation in a table of its own) upgrades a
/// database in place: every allocation the previous schema's imports wrote, current or kept for
/// rollback, keeps its rows and ids, the current view returns the same rows, and new imports,
/// rollback to an old set and gc work over the moved ones.
@Suite("Component allocation storage upgrade", .enabled(if: TestDatabase.isConfigured))
struct AllocationStorageUpgradeTests {
    let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'sow_component_allocation'::regclass"

    @Test func everyAllocationKeepsItsRowsAndTheCurrentViewItsAnswer() throws {
        let fixture = try PipelineFixture(migrations: Array(Migrations.all.prefix(9)))
        let generator = XactEstimateGenerator(lines: 300, components: 60)
        try fixture.importXactAsBefore([generator.estimateCSV()])
        // As the previous schema's imports left them: a superseded components job (900) and
        // the current one (901), each with its raw rows, summaries and allocations.
        try fixture.connection.executeScript(
            """
            INSERT INTO import_job (id, type, status, finished_at) VALUES
                (900, 'XACT_COMPONENTS', 'SUCCEEDED', now()), (901, 'XACT_COMPONENTS', 'SUCCEEDED', now());
            SELECT setval(pg_get_serial_sequence('import_job', 'id'), 901);
            INSERT INTO raw_component_row (estimate_version_id, import_job_id, line_no, code, raw_row_json)
            SELECT v.id, j, n, 'CODE' || n, '{}' FROM estimate_version v, generate_series(900, 901) j, generate_series(1, 3) n;
            INSERT INTO component_summary (project_id, estimate_version_id, import_job_id, line_no, code, quantity, total)
            SELECT v.project_id, v.id, j, n, 'CODE' || n, n * 1.5, CASE WHEN n = 2 THEN NULL ELSE j * 10.25 END
            FROM estimate_version v, generate_series(900, 901) j, generate_series(1, 3) n;
            INSERT INTO sow_component_allocation (project_id, estimate_version_id, import_job_id, sow_item_id,
                component_summary_id, code, quantity, total, allocation_basis)
            SELECT c.project_id, c.estimate_version_id, c.import_job_id, i.id, c.id, c.code, c.quantity / 7, c.total / 7,
                   'equal_global'
            FROM component_summary c JOIN sow_item i ON i.estimate_version_id = c.estimate_version_id AND i.line_no % 3 = c.line_no - 1;
            UPDATE estimate_version SET components_import_job_id = 901;
            """)
        let before = try fixture.allocationSnapshot()
        let lastId = try fixture.count("SELECT max(id) FROM sow_component_allocation")
        #expect(before.count > 2 * 3)

        try fixture.migrate()
        #expect(try fixture.allocationSnapshot() == before)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE oid = 'sow_component_allocation'::regclass AND relkind = 'p'") == 1)
        #expect(try fixture.count(partitions) == 2)
        // Each moved table has the parent's key and indexes (its key to the SOW items went with
        // migration 13).
        #expect(try fixture.count(
            "SELECT count(*) FROM pg_index WHERE indrelid = '\(AllocationStorage.tableName(900))'::regclass") == 4)
        #expect(try fixture.count(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = '\(AllocationStorage.tableName(900))'::regclass AND contype = 'f'") == 1)

        // A new import: its allocation in a table of its own, attached and current, with ids
        // after the old ones; each component's allocations add up to it.
        let job = try fixture.runImport(
            fixture.upload("components.csv", generator.componentsCSV()), type: .xactComponents,
            options: ImportOptions(project: "P1", publish: PublishPolicy(maxRemovedRatio: 1)))
        #expect(job.status == .succeeded, "\(job)")
        #expect(try fixture.count(partitions) == 3)
        #expect(try fixture.count("SELECT min(id) FROM sow_component_allocation WHERE import_job_id = $1", job.id) > lastId)
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation_current") > 60)
        #expect(try fixture.count(
            """
            SELECT count(*) FROM component_summary_current c
            WHERE c.total IS NOT NULL AND abs(c.total - (SELECT sum(a.total) FROM sow_component_allocation a
                                                         WHERE a.component_summary_id = c.id)) > 0.000001
            """) == 0)

        // Rollback to the set published before the upgrade: the view answers as before.
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .xactComponents, options: ImportOptions(project: "P1"), to: 901, createdBy: "test")
        #expect(try fixture.allocationSnapshot().prefix(before.count - 2) == before.prefix(before.count - 2))

        // gc keeping no superseded set: the tables of the new job and of job 900 are dropped, the
        // current set's stays.
        var configuration = fixture.configuration
        configuration.agent.keepPublished = 0
        let dry = try GarbageCollector(configuration: configuration).run(dryRun: true, failedOlderThanHours: 1)
        let what = "allocation tables of superseded or failed XACT component jobs"
        #expect(dry.first { $0.what == what }?.count == 2)
        let report = try GarbageCollector(configuration: configuration).run(dryRun: false, failedOlderThanHours: 1)
        #expect(report.first { $0.what == what }?.count == 2)
        #expect(try fixture.count(partitions) == 1)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE relname = $1", AllocationStorage.tableName(job.id)) == 0)
        #expect(try fixture.allocationSnapshot().prefix(before.count - 2) == before.prefix(before.count - 2))
        let again = try GarbageCollector(configuration: configuration).run(dryRun: false, failedOlderThanHours: 1)
        #expect(again.first { $0.what == what }?.count == 0)
    }
}

extension PipelineFixture {
    /// What readers see of the XACT allocations, and every job's allocation rows, as text (the
    /// tests of the allocation's storage compare it before and after).
    func allocationSnapshot() throws -> [String] {
        try strings("SELECT a::text FROM sow_component_allocation_current a ORDER BY id")
            + strings(
                """
                SELECT import_job_id || ' ' || count(*) || ' ' || md5(string_agg(a::text, ',' ORDER BY id))
                FROM sow_component_allocation a GROUP BY import_job_id ORDER BY import_job_id
                """)
    }
}
