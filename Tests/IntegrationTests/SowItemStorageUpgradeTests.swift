@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// Migration 12 (each estimate version's SOW items in a table of their own) upgrades a database
/// in place: every version's items keep their rows and ids, what readers see of the current
/// estimate and its allocation stays the same, and new imports, allocations over the moved
/// items, a failed finalize and rollback to an old version work over both kinds of storage.
@Suite("SOW item storage upgrade", .enabled(if: TestDatabase.isConfigured))
struct SowItemStorageUpgradeTests {
    let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'sow_item'::regclass"
    let currentItems = "SELECT s::text FROM sow_item s JOIN estimate_version_current v ON v.id = s.estimate_version_id ORDER BY s.id"

    @Test func everyVersionKeepsItsItemsAndReadersTheirAnswer() throws {
        let fixture = try PipelineFixture(migrations: Array(Migrations.all.prefix(11)))
        let generator = XactEstimateGenerator(lines: 300, components: 60)
        // Two versions (the second current) as the previous schema's imports left them, and a
        // components import allocated over the current one's items.
        try fixture.importXactWithComponentsAsBefore(generator)
        let before = try fixture.sowItemSnapshot()
        let itemsBefore = try fixture.strings(currentItems)
        let old = try fixture.currentVersion()
        let lastId = try fixture.count("SELECT max(id) FROM sow_item")
        #expect(try fixture.count("SELECT count(*) FROM sow_item") == 420)
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation") > 300)

        try fixture.migrate()
        #expect(try fixture.sowItemSnapshot() == before)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE oid = 'sow_item'::regclass AND relkind = 'p'") == 1)
        // The moved versions' table and the default one, each with its key and the indexes.
        #expect(try fixture.count(partitions) == 2)
        #expect(try fixture.count("SELECT count(*) FROM sow_item_default") == 0)
        let moved = "sow_item_m1_2"
        #expect(try fixture.count("SELECT count(*) FROM \(moved)") == 420)
        #expect(try fixture.count("SELECT count(*) FROM pg_index WHERE indrelid = '\(moved)'::regclass") == 5)
        #expect(try fixture.count("SELECT count(*) FROM pg_constraint WHERE conrelid = '\(moved)'::regclass AND contype = 'f'") == 3)
        // No key refers to the items (migration 13 removed the allocation's), so that gc can
        // merge version tables.
        #expect(try fixture.count("SELECT count(*) FROM pg_constraint WHERE confrelid = 'sow_item'::regclass") == 0)

        // A new version: its items in a table of their own, attached, with ids after the old
        // ones; the components import allocates over them.
        let smaller = XactEstimateGenerator(lines: 200, components: 60)
        let bytes = smaller.estimateCSV()
        let next = try fixture.importXact(fixture.upload("next.csv", bytes))
        #expect(next.status == .succeeded, "\(next)")
        let version = try #require(try fixture.currentVersion())
        #expect(version != old)
        #expect(try fixture.count(partitions) == 3)
        #expect(try fixture.count("SELECT count(*) FROM \(EstimateVersionStorage(versionId: version).itemTable)") == 200)
        #expect(try fixture.count("SELECT min(id) FROM sow_item WHERE estimate_version_id = $1", version) > lastId)
        #expect(try fixture.count("SELECT count(*) FROM pg_constraint WHERE conrelid = 'sow_item_v\(version)'::regclass AND contype = 'f'") == 3)
        let allocated = try fixture.runImport(
            fixture.upload("components2.csv", smaller.componentsCSV()), type: .xactComponents,
            options: ImportOptions(project: "P1", publish: PublishPolicy(maxRemovedRatio: 1)))
        #expect(allocated.status == .succeeded, "\(allocated)")
        let allocations = try fixture.count(
            "SELECT count(*) FROM sow_component_allocation_current WHERE estimate_version_id = $1", version)
        #expect(allocations > 200, "\(allocations) allocation row(s)")

        // A finalize that fails after its items were attached leaves no table and the previous
        // version current.
        try fixture.connection.executeScript(
            """
            CREATE FUNCTION refuse_completion() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'not today'; END $$;
            CREATE TRIGGER refuse_completion BEFORE UPDATE ON estimate_version
                FOR EACH ROW WHEN (NEW.status = 'completed') EXECUTE FUNCTION refuse_completion();
            """)
        let failed = try fixture.importXact(fixture.upload("failed.csv", bytes + Array("\r\n".utf8)))
        #expect(failed.status == .failed)
        #expect(try fixture.currentVersion() == version)
        #expect(try fixture.count(partitions) == 3)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname ~ '^sow_item_v[0-9]+$' AND NOT relispartition") == 0)
        try fixture.connection.executeScript("DROP TRIGGER refuse_completion ON estimate_version")

        // Rollback to the version published before the upgrade: its items, as before.
        let oldJob = try fixture.count("SELECT import_job_id FROM estimate_version WHERE id = $1", old)
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .xactRaw, options: ImportOptions(project: "P1"), to: Int64(oldJob), createdBy: "test")
        #expect(try fixture.currentVersion() == old)
        #expect(try fixture.strings(currentItems) == itemsBefore)
    }
}

extension PipelineFixture {
    /// Every version's items and raw rows (a digest per version), and what readers see of the
    /// current estimate and its allocation (the tests of the version tables' storage compare it
    /// before and after).
    func sowItemSnapshot() throws -> [String] {
        try ["sow_item", "raw_xact_row"].flatMap { table in
            try strings(
                """
                SELECT estimate_version_id || ' ' || count(*) || ' ' || md5(string_agg(s::text, ',' ORDER BY id))
                FROM \(table) s GROUP BY estimate_version_id ORDER BY estimate_version_id
                """)
        } + xactDump() + allocationSnapshot()
    }
}
