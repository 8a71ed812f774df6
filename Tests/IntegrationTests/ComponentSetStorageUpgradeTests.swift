@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import Testing

/// Migration 9 (each component set in a table of its own) upgrades a database in place: every
/// set the previous schema's imports wrote, published or not, keeps its rows and ids, the
/// current view returns the same rows, an import loading across the upgrade goes on, and new
/// imports, rollback to an old set and gc work over both kinds of set.
@Suite("Component set storage upgrade", .enabled(if: TestDatabase.isConfigured))
struct ComponentSetStorageUpgradeTests {
    /// What readers see, and every set's rows, as text (the columns of migration 8: migration
    /// 11 adds the list's id).
    func snapshot(_ fixture: PipelineFixture) throws -> [String] {
        let current = try fixture.connection.query("SELECT c::text FROM price_list_component_current c ORDER BY id").rows.map { $0[0]! }
        let sets = try fixture.connection.query(
            """
            SELECT component_set_id || ' ' || count(*) || ' ' || md5(string_agg(
                       (id, component_set_id, price_list_item_id, component_code, description, quantity, material, labor,
                        equipment, created_at, updated_at)::text, ',' ORDER BY id))
            FROM price_list_component GROUP BY component_set_id ORDER BY component_set_id
            """
        ).rows.map { $0[0]! }
        return current + sets
    }

    @Test func everySetKeepsItsRowsAndTheCurrentViewItsAnswer() throws {
        let fixture = try PipelineFixture(migrations: Array(Migrations.all.prefix(8)))
        let items = ComponentsFileGenerator.items
        try fixture.seedGoldenList(items: items)
        // As the previous schema's imports left them: a replaced set (1), the active set (2), a
        // set still loading (3, its job RUNNING), a failed job's set (4) and an empty one (5).
        try fixture.connection.executeScript(
            """
            INSERT INTO import_job (id, type, status, finished_at) VALUES
                (1, 'PRICE_LIST_COMPONENTS', 'SUCCEEDED', now()), (2, 'PRICE_LIST_COMPONENTS', 'SUCCEEDED', now()),
                (3, 'PRICE_LIST_COMPONENTS', 'RUNNING', NULL), (4, 'PRICE_LIST_COMPONENTS', 'FAILED', now() - interval '1 day'),
                (5, 'PRICE_LIST_COMPONENTS', 'RUNNING', NULL);
            SELECT setval(pg_get_serial_sequence('import_job', 'id'), 5);
            INSERT INTO price_list_component_set (id, price_list_id, import_job_id, is_active, activated_at)
            SELECT s, (SELECT id FROM price_list), s, s = 2, CASE WHEN s <= 2 THEN now() END FROM generate_series(1, 5) s;
            INSERT INTO price_list_component (component_set_id, price_list_item_id, component_code, description, quantity, material)
            SELECT s, i.id, 'C' || n, 'part ' || n || ' of set ' || s, n * 1.5, CASE WHEN n = 2 THEN NULL ELSE s * 10.25 END
            FROM generate_series(1, 4) s, price_list_item i, generate_series(1, 3) n;
            SELECT setval(pg_get_serial_sequence('price_list_component_set', 'id'), 5);
            """)
        let before = try snapshot(fixture)
        let lastId = try fixture.count("SELECT max(id) FROM price_list_component")
        #expect(before.count > 4 * 3)

        try fixture.migrate()
        #expect(try snapshot(fixture) == before)
        #expect(try fixture.count("SELECT count(*) FROM pg_class WHERE oid = 'price_list_component'::regclass AND relkind = 'p'") == 1)
        #expect(try fixture.count("SELECT count(*) FROM pg_inherits WHERE inhparent = 'price_list_component'::regclass") == 1)

        // The set loading across the upgrade goes on writing where its job began (the old
        // table, its partition), with ids after the old ones; its readers' view is unchanged.
        try fixture.connection.query(
                        """
            INSERT INTO price_list_component (component_set_id, price_list_id, price_list_item_id, component_code)
            SELECT 3, price_list_id, min(id), 'LATE' FROM price_list_item GROUP BY price_list_id
            """)
        #expect(try fixture.count("SELECT id FROM price_list_component WHERE component_code = 'LATE'") > lastId)
        #expect(ComponentSetStorage(setId: 3, ownTable: false).table == "price_list_component")

        // A new import: its set in a table of its own, attached and current.
        let generated = ComponentsFileGenerator.generate(rows: 3_000, seed: 11)
        let job = try fixture.runImport(fixture.upload("new.csv", generated.csv), options: ImportOptions(publish: PublishPolicy(maxRemovedRatio: 1)))
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        #expect(try fixture.currentComponents() == ExpectedComponents.compute(rows: generated.rows, items: items).components)
        #expect(try fixture.componentSetTables() == 1)
        #expect(try fixture.count("SELECT count(*) FROM pg_inherits WHERE inhparent = 'price_list_component'::regclass") == 2)

        // Rollback to the set published before the upgrade: the view answers as before.
        _ = try PublishHistory(configuration: fixture.configuration).rollback(
            type: .priceListComponents, options: ImportOptions(), to: 2, createdBy: "test")
        #expect(try snapshot(fixture).prefix(before.count - 4) == before.prefix(before.count - 4))

        // gc keeping no replaced set: the new set's table is dropped; the old replaced set and the
        // failed job's set lose their rows.
        var configuration = fixture.configuration
        configuration.agent.keepPublished = 0
        let report = try GarbageCollector(configuration: configuration).run(dryRun: false, failedOlderThanHours: 1)
        #expect(report.first { $0.what == "replaced Golden component sets" }?.count == 3)
        #expect(try fixture.componentSetTables() == 0)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component WHERE component_set_id IN (1, 4)") == 0)
        #expect(try snapshot(fixture).prefix(before.count - 4) == before.prefix(before.count - 4))
    }
}
