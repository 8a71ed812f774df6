@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// `gc` merges the SOW item and raw row tables of old estimate versions
/// (``VersionTable/merge(_:versions:)``), which migrations 13 and 14 made possible by removing
/// the keys to the items and to the raw rows: every version keeps its rows and ids, readers and
/// allocations keep their answers, and `sow_item` and `raw_xact_row` keep few partitions.
@Suite("Estimate version tables merged by gc", .enabled(if: TestDatabase.isConfigured))
struct SowItemMergeTests {
    let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'sow_item'::regclass"
    let rawPartitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'raw_xact_row'::regclass"
    let merged = "estimate versions' own SOW item and raw row tables (merged into shared ones)"

    /// The attached tables of `parent` that hold several versions, with how many each holds.
    func mergedTables(_ fixture: PipelineFixture, of parent: String) throws -> [String] {
        try fixture.strings(
            """
            SELECT c.relname || ' ' || (SELECT count(*) FROM regexp_matches(pg_get_expr(c.relpartbound, c.oid), '[0-9]+', 'g'))
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = $1::regclass AND c.relname LIKE $1 || '_m%' ORDER BY c.relname
            """, parent)
    }

    /// Those of `sow_item`, after checking that those of `raw_xact_row` hold the same versions.
    func mergedTables(_ fixture: PipelineFixture) throws -> [String] {
        let items = try mergedTables(fixture, of: "sow_item")
        #expect(try mergedTables(fixture, of: "raw_xact_row") == items.map { "raw_xact_row" + $0.dropFirst("sow_item".count) })
        return items
    }

    /// Imports `count` small estimates of project P1 (the `first`th on: each file its own),
    /// each its own version, and returns them.
    func importVersions(_ fixture: PipelineFixture, _ count: Int, first: Int = 0) throws -> [Int64] {
        try (first..<first + count).map { n in
            let generator = XactEstimateGenerator(lines: 12 + n % 5, units: 3, components: 4, seed: UInt64(100 + n))
            let job = try fixture.runImport(
                fixture.upload("estimate-\(n).csv", generator.estimateCSV()), type: .xactRaw,
                options: ImportOptions(project: "P1", publish: PublishPolicy(maxRemovedRatio: 1)))
            #expect(job.status == .succeeded, "\(job.message ?? "")")
            return try #require(try fixture.currentVersion())
        }
    }

    func merge(_ fixture: PipelineFixture, _ versions: [Int64]) throws {
        try fixture.connection.transaction { try VersionTable.merge($0, versions: versions) }
    }

    @Test func mergedTablesGrowLikeABinaryCounter() throws {
        let fixture = try PipelineFixture()
        try fixture.seedProject("P1")
        let v = try importVersions(fixture, 8)
        // A components import over the fourth version while it is current, so that a merged
        // table holds allocated items.
        let old = try fixture.runImport(
            fixture.upload("c.csv", XactEstimateGenerator(lines: 12, units: 3, components: 4, seed: 103).componentsCSV()),
            type: .xactComponents, options: ImportOptions(project: "P1", estimateVersion: v[3], publish: PublishPolicy(maxRemovedRatio: 1)))
        #expect(old.status == .succeeded, "\(old.message ?? "")")
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation WHERE estimate_version_id = $1", v[3]) > 0)
        let before = try fixture.sowItemSnapshot()
        #expect(try fixture.count(partitions) == 9)

        try merge(fixture, [v[0], v[1]])
        #expect(try mergedTables(fixture) == ["sow_item_m\(v[0])_\(v[1]) 2"])
        // The next two join it (it holds no more than they are) ...
        try merge(fixture, [v[2], v[3]])
        #expect(try mergedTables(fixture) == ["sow_item_m\(v[0])_\(v[3]) 4"])
        // ... the next two do not (it holds more), and one alone stays apart.
        try merge(fixture, [v[4], v[5]])
        #expect(try mergedTables(fixture) == ["sow_item_m\(v[0])_\(v[3]) 4", "sow_item_m\(v[4])_\(v[5]) 2"])
        try merge(fixture, [v[6]])
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)", "sow_item_v\(v[6])") == 1)
        // Two more carry: the two-version table joins them, then the four-version one.
        try merge(fixture, [v[6], v[7]])
        let table = "sow_item_m\(v[0])_\(v[7])"
        #expect(try mergedTables(fixture) == ["\(table) 8"])
        #expect(try fixture.count(partitions) == 2)
        #expect(try fixture.count(rawPartitions) == 2)
        #expect(try fixture.sowItemSnapshot() == before)
        // Its key and indexes, and the parent's three keys, taken over by the attach; the raw
        // rows' table has its key and indexes.
        #expect(try fixture.count("SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass", table) == 5)
        #expect(try fixture.count(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' AND conparentid <> 0", table) == 3)
        #expect(try fixture.count("SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass", "raw_xact_row_m\(v[0])_\(v[7])") == 3)

        // Rollback to a merged version, and a new import after it: readers see their items.
        let items = "SELECT count(*) FROM sow_item s JOIN estimate_version_current v ON v.id = s.estimate_version_id"
        let job = try fixture.count("SELECT import_job_id FROM estimate_version WHERE id = $1", v[3])
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .xactRaw, options: ImportOptions(project: "P1"), to: Int64(job), createdBy: "test")
        #expect(try fixture.currentVersion() == v[3])
        #expect(try fixture.count(items) == 15)
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation_current") > 0)
        let next = try importVersions(fixture, 1, first: 8)
        #expect(try fixture.count(partitions) == 3)
        #expect(try fixture.count("SELECT count(*) FROM sow_item WHERE estimate_version_id = $1", next[0]) == 15)
    }

    @Test func gcMergesAllButTheNewestVersionsOnceManyAreAttached() throws {
        let fixture = try PipelineFixture()
        try fixture.seedProject("P1")
        let versions = try importVersions(fixture, 33)
        let before = try fixture.sowItemSnapshot()
        #expect(try fixture.count(partitions) == 34)

        var configuration = fixture.configuration
        configuration.agent.keepPublished = 100
        let collector = GarbageCollector(configuration: configuration)
        #expect(try collector.run(dryRun: true, failedOlderThanHours: 1).first { $0.what == merged }?.count == 17)
        #expect(try fixture.count(partitions) == 34)
        #expect(try collector.run(dryRun: false, failedOlderThanHours: 1).first { $0.what == merged }?.count == 17)
        #expect(try mergedTables(fixture) == ["sow_item_m\(versions[0])_\(versions[16]) 17"])
        #expect(try fixture.count(partitions) == 18)
        #expect(try fixture.count(rawPartitions) == 18)
        #expect(try fixture.sowItemSnapshot() == before)
        // 16 tables apart are fewer than twice 16: the next gc merges nothing.
        #expect(try collector.run(dryRun: false, failedOlderThanHours: 1).first { $0.what == merged }?.count == 0)
        #expect(try fixture.count(partitions) == 18)
    }

    /// Migrations 13 and 14 on a database that migration 12's imports filled: the keys to the
    /// items and raw rows go, rows and answers stay, and the version tables can be merged.
    @Test func theUpgradeDropsTheKeysAndKeepsEveryRow() throws {
        let fixture = try PipelineFixture(migrations: Array(Migrations.all.prefix(12)))
        try fixture.importXactWithComponentsAsBefore(XactEstimateGenerator(lines: 60, units: 5, components: 20))
        let keys = "SELECT count(*) FROM pg_constraint WHERE confrelid IN ('sow_item'::regclass, 'raw_xact_row'::regclass)"
        #expect(try fixture.count(keys) > 0)
        let before = try fixture.sowItemSnapshot()
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation_current") > 0)

        try fixture.migrate()
        #expect(try fixture.count(keys) == 0)
        #expect(try fixture.sowItemSnapshot() == before)
        // The allocation still goes with its summaries.
        #expect(try fixture.count(
            """
            SELECT count(*) FROM pg_constraint
            WHERE conrelid = 'sow_component_allocation'::regclass AND confrelid = 'component_summary'::regclass AND confdeltype = 'c'
            """) == 1)
        // Versions imported after the upgrade: their tables merge.
        let versions = try importVersions(fixture, 2)
        let after = try fixture.sowItemSnapshot()
        try merge(fixture, versions)
        #expect(try mergedTables(fixture, of: "sow_item") == ["sow_item_m\(versions[0])_\(versions[1]) 2"])
        // The upgrade put the first two versions' raw rows in a table of their own, which the
        // new two join (it holds no more versions than they are).
        #expect(try mergedTables(fixture, of: "raw_xact_row") == ["raw_xact_row_m1_\(versions[1]) 4"])
        #expect(try fixture.sowItemSnapshot() == after)
    }
}
