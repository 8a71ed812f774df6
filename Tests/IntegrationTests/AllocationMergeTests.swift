@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// `gc` merges the attached allocation tables of all but the newest published XACT components
/// jobs into one partition, once many are attached: readers see the same rows, `rollback` to a
/// merged set works, and a merged set that is superseded later goes with its summaries.
@Suite("Component allocation tables merged by gc", .enabled(if: TestDatabase.isConfigured))
struct AllocationMergeTests {
    let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'sow_component_allocation'::regclass"
    let merged = "allocation tables of published XACT component jobs merged into shared ones"
    let dropped = "allocation tables of superseded or failed XACT component jobs"

    func collect(_ fixture: PipelineFixture, keepPublished: Int, dryRun: Bool = false) throws -> GarbageCollector.Report {
        var configuration = fixture.configuration
        configuration.agent.keepPublished = keepPublished
        return try GarbageCollector(configuration: configuration).run(dryRun: dryRun, failedOlderThanHours: 1)
    }

    @Test func olderTablesAreMergedWithTheirRowsAndStayUsable() throws {
        let fixture = try PipelineFixture()
        let generator = XactEstimateGenerator(lines: 300, components: 60)
        try fixture.seedProject("P1")
        #expect(try fixture.importXact(fixture.upload("estimate.csv", generator.estimateCSV())).status == .succeeded)
        // 36 published sets of jobs 1900–1935, each in its own attached table as a components
        // import leaves it, then a real import (the current set, the newest table).
        try fixture.connection.executeScript(
            """
            INSERT INTO import_job (id, type, status, finished_at)
            SELECT j, 'XACT_COMPONENTS', 'SUCCEEDED', now() FROM generate_series(1900, 1935) j;
            SELECT setval(pg_get_serial_sequence('import_job', 'id'), 1935);
            INSERT INTO raw_component_row (estimate_version_id, import_job_id, line_no, code, raw_row_json)
            SELECT v.id, j, n, 'CODE' || n, '{}' FROM estimate_version v, generate_series(1900, 1935) j, generate_series(1, 3) n;
            INSERT INTO component_summary (project_id, estimate_version_id, import_job_id, line_no, code, quantity, total)
            SELECT v.project_id, v.id, j, n, 'CODE' || n, n * 1.5, j * 10.25
            FROM estimate_version v, generate_series(1900, 1935) j, generate_series(1, 3) n
            """)
        for job in Int64(1900)...1935 {
            try AllocationStorage.create(fixture.connection, job: job)
            try fixture.connection.query(
                """
                INSERT INTO \(AllocationStorage.tableName(job)) (project_id, estimate_version_id, import_job_id, sow_item_id,
                    component_summary_id, code, quantity, total, allocation_basis)
                SELECT c.project_id, c.estimate_version_id, c.import_job_id, i.id, c.id, c.code, c.quantity / 7, c.total / 7,
                       'equal_global'
                FROM component_summary c JOIN sow_item i ON i.estimate_version_id = c.estimate_version_id AND i.line_no % 3 = c.line_no - 1
                WHERE c.import_job_id = $1
                """, job)
            try fixture.connection.transaction { try AllocationStorage.attach($0, job: job) }
        }
        let current = try fixture.runImport(
            fixture.upload("components.csv", generator.componentsCSV()), type: .xactComponents,
            options: ImportOptions(project: "P1", publish: PublishPolicy(maxRemovedRatio: 1)))
        #expect(current.status == .succeeded, "\(current)")
        #expect(try fixture.count(partitions) == 37)
        let before = try fixture.allocationSnapshot()

        // All but the newest 16 tables (jobs 1900–1920) are merged; nothing is dropped while
        // every set is kept for rollback.
        #expect(try collect(fixture, keepPublished: 100, dryRun: true).first { $0.what == merged }?.count == 21)
        let report = try collect(fixture, keepPublished: 100)
        #expect(report.first { $0.what == merged }?.count == 21)
        #expect(report.first { $0.what == dropped }?.count == 0)
        #expect(try fixture.allocationSnapshot() == before)
        #expect(try fixture.count(partitions) == 17)
        let table = AllocationStorage.mergedPrefix + "1900_1920"
        #expect(try fixture.count("SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass", table) == 4)
        // The parent's key (to the component summaries; migration 13 removed the one to the SOW
        // items), taken over by the attach (not a second copy of it).
        #expect(try fixture.count(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' AND conparentid <> 0", table) == 1)
        #expect(try fixture.count("SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'", table) == 1)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)", AllocationStorage.tableName(1905)) == 0)
        // 16 tables apart are fewer than twice 16: the next gc merges nothing.
        #expect(try collect(fixture, keepPublished: 100).first { $0.what == merged }?.count == 0)

        // Rollback to a merged set: the current view answers its rows.
        let rows1905 = try fixture.count("SELECT count(*) FROM sow_component_allocation WHERE import_job_id = 1905")
        #expect(rows1905 > 0)
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .xactComponents, options: ImportOptions(project: "P1"), to: 1905, createdBy: "test")
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation_current") == rows1905)
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .xactComponents, options: ImportOptions(project: "P1"), to: current.id, createdBy: "test")
        #expect(try fixture.allocationSnapshot().prefix(before.count - 37) == before.prefix(before.count - 37))

        // Keeping one set: the superseded jobs' tables apart are dropped, and the merged jobs'
        // rows go with their summaries; what readers see stays.
        let last = try collect(fixture, keepPublished: 1)
        #expect(last.first { $0.what == dropped }?.count == 15)
        #expect(try fixture.count(partitions) == 2)
        #expect(try fixture.count("SELECT count(*) FROM \(table)") == 0)
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation WHERE import_job_id <> $1", current.id) == 0)
        #expect(try fixture.allocationSnapshot().prefix(before.count - 37) == before.prefix(before.count - 37))
    }
}
