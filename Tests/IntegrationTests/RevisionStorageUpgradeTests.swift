@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import Testing

/// Migration 11 (each Golden revision's items in a table of their own) upgrades a database in
/// place: every published revision keeps its items and ids, the current views return the same
/// rows, the items of an import loading across the upgrade move to its build table and publish
/// from there, components keep their items, and new imports, rollback to an old revision and gc
/// work over both kinds of revision.
@Suite("Golden revision storage upgrade", .enabled(if: TestDatabase.isConfigured))
struct RevisionStorageUpgradeTests {
    let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'price_list_item'::regclass"

    /// What readers see, and the items of the published revisions, as text.
    func snapshot(_ fixture: PipelineFixture) throws -> [String] {
        let items = try fixture.connection.query("SELECT i::text FROM golden_price_list_item_current i ORDER BY id").rows.map { $0[0]! }
        let components = try fixture.connection.query("SELECT c::text FROM price_list_component_current c ORDER BY id").rows.map { $0[0]! }
        let revisions = try fixture.connection.query(
            """
            SELECT price_list_id || ' ' || count(*) || ' ' || md5(string_agg(i::text, ',' ORDER BY id))
            FROM price_list_item i WHERE price_list_id IN (1, 2) GROUP BY price_list_id ORDER BY price_list_id
            """
        ).rows.map { $0[0]! }
        return items + components + revisions
    }

    @Test func everyRevisionKeepsItsItemsAndTheCurrentViewsTheirAnswer() throws {
        let fixture = try PipelineFixture(migrations: Array(Migrations.all.prefix(10)))
        // As the previous schema's imports left them: a revision loaded before nexus-ingest (1),
        // the active one (2, with the active component set and a set still loading), a revision
        // still loading (3: a changed item, a new one and a Delete mark, its job RUNNING) and a
        // failed job's revision (4).
        try fixture.connection.executeScript(
            """
            INSERT INTO import_job (id, type, status, finished_at) VALUES
                (1, 'PRICE_LIST', 'SUCCEEDED', now()), (2, 'PRICE_LIST', 'RUNNING', NULL),
                (3, 'PRICE_LIST', 'FAILED', now() - interval '1 day'), (4, 'PRICE_LIST_COMPONENTS', 'RUNNING', NULL);
            SELECT setval(pg_get_serial_sequence('import_job', 'id'), 4);
            INSERT INTO price_list (id, kind, code, label, revision, is_active, import_job_id, published_at) VALUES
                (1, 'GOLDEN', 'XACT_ALL', 'Golden r1', 1, false, NULL, NULL),
                (2, 'GOLDEN', 'XACT_ALL', 'Golden r2', 2, true, 1, now()),
                (3, 'GOLDEN', 'XACT_ALL', 'in progress', 3, false, 2, NULL),
                (4, 'GOLDEN', 'XACT_ALL', 'failed', 4, false, 3, NULL);
            SELECT setval(pg_get_serial_sequence('price_list', 'id'), 4);
            INSERT INTO price_list_item
                (price_list_id, line_no, cat, sel, activity, description, unit_price, raw_json, canonical_key_hash, division_code)
            SELECT l, n, 'C' || (n % 7), 'S' || n, '+', 'item ' || n || ' of ' || l, n * 1.25 + l, jsonb_build_object('#', n),
                   'h-' || n, CASE WHEN n % 3 = 0 THEN '09' END
            FROM generate_series(1, 2) l, generate_series(1, 40) n;
            INSERT INTO price_list_item
                (price_list_id, line_no, cat, sel, activity, description, unit_price, last_known_unit_price, raw_json, canonical_key_hash)
            VALUES (3, 2, 'C1', 'S1', '+', 'item 1 repriced', 99.5, 3.25, '{"#": "1"}', 'h-1'),
                   (3, 3, 'A0', 'NEW', '+', 'new item', 1.5, NULL, '{"#": "new"}', 'new-1');
            INSERT INTO price_list_item (price_list_id, line_no, canonical_key_hash) VALUES (3, -4, 'h-2'), (4, 2, 'h-x');
            INSERT INTO price_list_component_set (id, price_list_id, import_job_id, is_active, activated_at) VALUES
                (1, 2, NULL, true, now()), (2, 2, 4, false, NULL);
            SELECT setval(pg_get_serial_sequence('price_list_component_set', 'id'), 2);
            CREATE TABLE price_list_component_s1 (LIKE price_list_component INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            CREATE TABLE price_list_component_s2 (LIKE price_list_component INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            INSERT INTO price_list_component_s1 (component_set_id, price_list_item_id, component_code, quantity)
            SELECT 1, id, 'CC' || line_no, line_no FROM price_list_item WHERE price_list_id = 2;
            INSERT INTO price_list_component_s2 (component_set_id, price_list_item_id, component_code)
            SELECT 2, id, 'LOADING' FROM price_list_item WHERE price_list_id = 2 AND line_no <= 5;
            ALTER TABLE price_list_component ATTACH PARTITION price_list_component_s1 FOR VALUES IN (1);
            """)
        let before = try snapshot(fixture)
        let lastId = try fixture.count("SELECT max(id) FROM price_list_item")
        #expect(before.count == 40 + 40 + 2)

        try fixture.migrate()
        #expect(try snapshot(fixture) == before)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE oid = 'price_list_item'::regclass AND relkind = 'p'") == 1)
        #expect(try fixture.count(partitions) == 2)  // the old table and the default partition
        // The unpublished revisions' rows moved to their build tables; components know their list.
        #expect(try fixture.count("SELECT count(*) FROM price_list_item WHERE price_list_id IN (3, 4)") == 0)
        #expect(try fixture.count("SELECT count(*) FROM price_list_item_b3") == 3)
        #expect(try fixture.count("SELECT count(*) FROM price_list_item_b4") == 1)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component WHERE price_list_id = 2") == 40)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_s2 WHERE price_list_id = 2") == 5)

        // The import loading across the upgrade publishes from its build table: revision 2
        // carried forward but for the changed and the deleted item, plus the new one, numbered
        // in sort order, ids after the old ones, in a partition of its own.
        let job = JobContext(
            jobId: 2, facts: ["priceListId": 3, "previousPriceListId": 2, "previousRevision": 2, "mode": "merge"],
            plan: ["dataRows": 3], chunkStats: ["updatedCount": 1, "addedCount": 1, "deletedCount": 1])
        let result = try fixture.connection.transaction { try GoldenPETLImporter().finalize($0, job: job) }
        #expect(result["itemCount"] == 40)
        #expect(result["mergeStats"]?["unchangedCount"] == 38)
        #expect(try fixture.count(partitions) == 3)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = 'price_list_item_b3'") == 0)
        #expect(try fixture.count("SELECT min(id) FROM golden_price_list_item_current") > lastId)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current WHERE canonical_key_hash IN ('h-1', 'h-2')") == 1)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current WHERE unit_price = 99.5 AND line_no > 0") == 1)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current WHERE canonical_key_hash = 'new-1'") == 1)
        #expect(
            try fixture.count(
                """
                SELECT count(*) FROM (
                    SELECT line_no, row_number() OVER (ORDER BY upper(coalesce(cat, '') COLLATE "C"), coalesce(sel, '') COLLATE "C",
                           coalesce(activity, '') COLLATE "C", coalesce(description, '') COLLATE "C") AS expected
                    FROM golden_price_list_item_current) n
                WHERE line_no = expected
                """) == 40)

        // A new import merges over it into a partition of its own.
        let generated = PETLFileGenerator.generate(rows: 500, seed: 5, prefix: "u")
        let next = try fixture.importPETL(fixture.upload("next.csv", generated.csv))
        #expect(next.status == .succeeded, "\(String(describing: next.error))")
        #expect(try fixture.count(partitions) == 4)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current") > 40)

        // Rollback to the revision published before the upgrade: the views answer as before.
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .priceList, options: ImportOptions(), to: 1, createdBy: "test")
        #expect(try snapshot(fixture) == before)

        // gc: the failed job's revision goes with its build table; the published ones stay.
        let report = try GarbageCollector(configuration: fixture.configuration).run(dryRun: false, failedOlderThanHours: 1)
        #expect(report.first { $0.what == "unpublished Golden revisions of old failed jobs" }?.count == 1)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname ~ '^price_list_item_b'") == 0)
        #expect(try fixture.count("SELECT count(*) FROM price_list WHERE id = 4") == 0)
        #expect(try fixture.count(partitions) == 4)
        #expect(try snapshot(fixture) == before)
    }
}
