@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// Migration 15 (one key from a logical item to a particle of its own project) upgrades a
/// database filled by the previous schema's imports in place: every logical item stays, readers
/// see the same estimate, imports go on reusing the items, and a particle of another project is
/// refused.
@Suite("Logical item particle key upgrade", .enabled(if: TestDatabase.isConfigured))
struct LogicalItemKeyUpgradeTests {
    /// The foreign keys of sow_logical_item, as `table(columns) -> table(columns)`.
    func keys(_ fixture: PipelineFixture) throws -> [String] {
        try fixture.strings(
            """
            SELECT pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = 'sow_logical_item'::regclass AND contype = 'f' ORDER BY conname
            """)
    }

    @Test func logicalItemsStayAndAnotherProjectsParticleIsRefused() throws {
        let fixture = try PipelineFixture(migrations: Array(Migrations.all.prefix(14)))
        let first = XactEstimateGenerator(lines: 300, components: 60)
        try fixture.importXactAsBefore([XactEstimateGenerator(lines: 120, components: 10).estimateCSV(), first.estimateCSV()])
        #expect(try keys(fixture) == [
            "FOREIGN KEY (project_id) REFERENCES project(id)", "FOREIGN KEY (project_particle_id) REFERENCES project_particle(id)",
        ])
        let items = "SELECT count(*) || ' ' || md5(string_agg(l::text, ',' ORDER BY id)) FROM sow_logical_item l"
        let before = try fixture.strings(items)
        let dump = try fixture.xactDump()

        try fixture.migrate()
        #expect(try keys(fixture) == ["FOREIGN KEY (project_id, project_particle_id) REFERENCES project_particle(project_id, id)"])
        #expect(try fixture.strings(items) == before)
        #expect(try fixture.xactDump() == dump)

        // The same file again reuses every logical item; its SOW is the same.
        #expect(try fixture.importXact(fixture.upload("again.csv", first.estimateCSV())).status == .succeeded)
        #expect(try fixture.strings(items) == before)
        #expect(try fixture.xactDump() == dump)

        // A logical item of P1 that names a particle of P2 is refused by the key.
        let other = try fixture.seedProject("P2")
        let particle = try fixture.count(
            """
            INSERT INTO project_particle (company_id, project_id, name, full_label)
            SELECT company_id, id, 'Den', 'Den' FROM project WHERE id = $1 RETURNING id
            """, other)
        let error = try #require(throws: PostgresError.self) {
            try fixture.connection.query(
                """
                INSERT INTO sow_logical_item (project_id, project_particle_id, signature_hash)
                SELECT id, $1, 'x' FROM project WHERE code = 'P1'
                """, Int64(particle))
        }
        #expect(error.sqlState == "23503")
        #expect(error.message.contains("sow_logical_item_project_particle_fkey"))
    }
}
