import Foundation
import Dispatch
import IngestPostgres
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Migrations", .enabled(if: TestDatabase.isConfigured))
struct MigrationTests {
    /// Drops `schema` when the test ends (the migrator creates it).
    func dropping<T>(_ schema: String, _ body: () throws -> T) throws -> T {
        defer {
            if let connection = try? TestDatabase.connect(), let quoted = try? connection.quoteIdentifier(schema) {
                try? connection.executeScript("DROP SCHEMA IF EXISTS \(quoted) CASCADE")
            }
        }
        return try body()
    }

    @Test func migratingTwiceAppliesEverythingOnceAndIsIdempotent() throws {
        let schema = TestDatabase.uniqueSchemaName("m")
        try dropping(schema) {
            let connection = try TestDatabase.connect()
            let migrator = Migrator(connection: connection, schema: schema)
            #expect(try migrator.status().pendingVersions == Migrations.all.map(\.version))
            let first = try migrator.migrate()
            #expect(first.applied == Migrations.all.map(\.version))
            #expect(first.currentVersion == Migrations.latestVersion)
            let second = try migrator.migrate()
            #expect(second.applied.isEmpty)
            #expect(second.currentVersion == Migrations.latestVersion)
            let status = try migrator.status()
            #expect(status.pendingVersions.isEmpty)
            #expect(status.unknownVersions.isEmpty)
            #expect(status.appliedVersions == Migrations.all.map(\.version))
        }
    }

    @Test func concurrentMigrationsDoNotRace() throws {
        let schema = TestDatabase.uniqueSchemaName("m")
        try dropping(schema) {
            let outcomes = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                let outcome: String
                do {
                    let connection = try TestDatabase.connect()
                    let report = try Migrator(connection: connection, schema: schema).migrate()
                    outcome = report.applied.isEmpty ? "noop" : "applied"
                } catch {
                    outcome = "error: \(error)"
                }
                outcomes.withLock { $0.append(outcome) }
            }
            let all = outcomes.withLock { $0 }
            #expect(all.sorted() == ["applied", "noop", "noop", "noop"], "\(all)")
            let connection = try TestDatabase.connect()
            let quoted = try connection.quoteIdentifier(schema)
            #expect(try connection.query("SELECT count(*) FROM \(quoted).schema_migrations").first?.decode(0, as: Int.self)
                == Migrations.all.count)
        }
    }

    @Test func theMigrationLockMakesASecondMigratorWait() throws {
        let schema = TestDatabase.uniqueSchemaName("m")
        try dropping(schema) {
            let holder = try TestDatabase.connect()
            try holder.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", "nexus-ingest migrate \(schema)")
            let finished = Mutex(false)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let connection = try? TestDatabase.connect()
                _ = try? connection.map { try Migrator(connection: $0, schema: schema).migrate() }
                finished.withLock { $0 = true }
                done.signal()
            }
            usleep(300_000)
            #expect(finished.withLock { $0 } == false, "migrate must wait for the lock")
            try holder.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", "nexus-ingest migrate \(schema)")
            #expect(done.wait(timeout: .now() + 60) == .success)
            #expect(try Migrator(connection: holder, schema: schema).status().pendingVersions.isEmpty)
        }
    }

    @Test func refusesADatabaseNewerThanTheBinary() throws {
        let schema = TestDatabase.uniqueSchemaName("m")
        try dropping(schema) {
            let connection = try TestDatabase.connect()
            _ = try Migrator(connection: connection, schema: schema).migrate()
            let quoted = try connection.quoteIdentifier(schema)
            try connection.query("INSERT INTO \(quoted).schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
            let error = try #require(throws: MigrationError.self) { try Migrator(connection: connection, schema: schema).migrate() }
            #expect(error.code == .databaseIsNewer)
            #expect(error.message.contains("9999"))
            #expect(try Migrator(connection: connection, schema: schema).status().unknownVersions == [9999])
        }
    }

    @Test func refusesAnEditedMigration() throws {
        let schema = TestDatabase.uniqueSchemaName("m")
        try dropping(schema) {
            let connection = try TestDatabase.connect()
            _ = try Migrator(connection: connection, schema: schema).migrate()
            let quoted = try connection.quoteIdentifier(schema)
            try connection.query("UPDATE \(quoted).schema_migrations SET checksum = 'deadbeef' WHERE version = 1")
            let error = try #require(throws: MigrationError.self) { try Migrator(connection: connection, schema: schema).migrate() }
            #expect(error.code == .checksumMismatch)
        }
    }

    @Test func aFailingMigrationIsRolledBackWhole() throws {
        let schema = TestDatabase.uniqueSchemaName("m")
        try dropping(schema) {
            let connection = try TestDatabase.connect()
            let broken = Migration(version: 1, name: "broken", bytes: Array("CREATE TABLE a (x int); SELECT 1/0;".utf8))
            #expect(throws: PostgresError.self) {
                try Migrator(connection: connection, schema: schema, migrations: [broken]).migrate()
            }
            let quoted = try connection.quoteIdentifier(schema)
            #expect(try connection.query("SELECT to_regclass($1)", "\(quoted).a").first?[0] == nil)
            #expect(try connection.query("SELECT count(*) FROM \(quoted).schema_migrations").first?.decode(0, as: Int.self) == 0)
        }
    }

    @Test func theSchemaHoldsTheWholeDataModel() throws {
        try TestDatabase.withMigratedSchema { connection, schema in
            // to_regclass per name: catalog views like information_schema trip over schemas
            // that parallel tests drop at the same moment.
            for table in [
                "import_job", "import_chunk", "price_list", "price_list_item", "price_list_component",
                "price_list_component_set", "division", "cat_division", "company", "project", "estimate_version",
                "raw_xact_row", "raw_component_row", "component_summary", "sow", "sow_item", "sow_logical_item",
                "project_unit", "project_particle", "sow_component_allocation", "golden_price_update_log",
                "company_price_list", "company_price_list_item", "tenant_price_update_log",
                "golden_price_list_item_current", "price_list_component_current",
            ] {
                let found = try connection.query("SELECT to_regclass(quote_ident($1) || '.' || $2) IS NOT NULL", schema, table)
                #expect(try found.first?.require(0, as: Bool.self) == true, "missing \(table)")
            }
            #expect(try connection.query("SELECT count(*) FROM division").first?.decode(0, as: Int.self) == 16)
            let dry = try connection.query("SELECT division_code FROM cat_division WHERE cat = $1", "DRY").first?[0]
            #expect(dry == "09")
            // The ledger's uniqueness, read from pg_constraint by this table's oid: views such as
            // pg_indexes call pg_get_indexdef() on other schemas' indexes, which parallel tests
            // drop meanwhile ("could not open relation").
            let uniqueChunk = try connection.query(
                """
                SELECT array_agg(a.attname ORDER BY k.ord)::text
                FROM pg_constraint c
                CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                WHERE c.conrelid = to_regclass(quote_ident($1) || '.import_chunk') AND c.contype = 'u'
                """, schema)
            #expect(uniqueChunk.first?[0] == "{import_job_id,chunk_index}")
        }
    }

    @Test func onlyOneGoldenListCanBeActive() throws {
        try TestDatabase.withMigratedSchema { connection, _ in
            try connection.query(
                "INSERT INTO price_list (kind, code, label, revision, is_active) VALUES ('GOLDEN', 'XACT_ALL', 'a', 1, true)")
            let error = try #require(throws: PostgresError.self) {
                try connection.query(
                    "INSERT INTO price_list (kind, code, label, revision, is_active) VALUES ('GOLDEN', 'XACT_ALL', 'b', 2, true)")
            }
            #expect(error.sqlState == "23505")
        }
    }

    /// Migration 7 marks as published the Golden revisions that were: those of SUCCEEDED jobs
    /// and those loaded before nexus-ingest, not those of failed or running imports.
    @Test func publishedRevisionsAreMarkedWhenMigrationSevenIsApplied() throws {
        try TestDatabase.withSchema { connection, schema in
            _ = try Migrator(connection: connection, schema: schema, migrations: Array(Migrations.all.prefix(6))).migrate()
            try connection.setSearchPath(schema)
            try connection.executeScript(
                """
                INSERT INTO import_job (id, type, status, finished_at) VALUES
                    (1, 'PRICE_LIST', 'SUCCEEDED', now()), (2, 'PRICE_LIST', 'FAILED', now()), (3, 'PRICE_LIST', 'RUNNING', NULL);
                INSERT INTO price_list (kind, code, label, revision, import_job_id) VALUES
                    ('GOLDEN', 'XACT_ALL', 'before nexus-ingest', 1, NULL), ('GOLDEN', 'XACT_ALL', 'succeeded', 2, 1),
                    ('GOLDEN', 'XACT_ALL', 'failed', 3, 2), ('GOLDEN', 'XACT_ALL', 'running', 4, 3);
                """)
            _ = try Migrator(connection: connection, schema: schema).migrate()
            let published = try connection.query("SELECT revision FROM price_list WHERE published_at IS NOT NULL ORDER BY revision")
                .rows.map { try $0.require(0, as: Int.self) }
            #expect(published == [1, 2])
        }
    }

    /// Every `.sql` file under Sources/IngestPostgres/Migrations is registered, in order.
    @Test func everyMigrationFileIsRegistered() throws {
        let directory = String(#filePath.split(separator: "/Tests/").first!) + "/Sources/IngestPostgres/Migrations"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        let expected = Migrations.all.map { "m" + String(repeating: "0", count: 4 - String($0.version).count) + "\($0.version)_\($0.name).sql" }
        #expect(files.sorted() == expected)
        #expect(Migrations.all.map(\.version) == Array(1...Migrations.all.count))
    }
}
