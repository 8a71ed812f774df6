import IngestPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server that `scripts/test` starts, named by `NEXUS_INGEST_TEST_DATABASE_URL`.
///
/// Integration tests are skipped only when that variable is absent outside CI; under CI
/// (`CI` set) its absence fails ``CIDatabaseTests`` instead, so CI never skips silently.
enum TestDatabase {
    static var url: String? {
        guard let value = getenv("NEXUS_INGEST_TEST_DATABASE_URL") else { return nil }
        let url = String(cString: value)
        return url.isEmpty ? nil : url
    }

    static var isConfigured: Bool { url != nil }

    static func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: url!)
    }

    /// A schema name no other test uses.
    static func uniqueSchemaName(_ prefix: String = "t") -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + "_" + String(generator.next() as UInt64, radix: 36)
    }

    /// Runs `body` with a connection whose `search_path` is a fresh empty schema, and drops
    /// the schema afterwards.
    static func withSchema<T>(_ body: (PostgresConnection, String) throws -> T) throws -> T {
        let schema = uniqueSchemaName()
        let connection = try connect()
        let quoted = try connection.quoteIdentifier(schema)
        try connection.executeScript("CREATE SCHEMA \(quoted)")
        defer { try? connection.executeScript("DROP SCHEMA \(quoted) CASCADE") }
        try connection.setSearchPath(schema)
        return try body(connection, schema)
    }

    /// Like ``withSchema(_:)``, with every migration applied.
    static func withMigratedSchema<T>(_ body: (PostgresConnection, String) throws -> T) throws -> T {
        try withSchema { connection, schema in
            _ = try Migrator(connection: connection, schema: schema).migrate()
            try connection.setSearchPath(schema)
            return try body(connection, schema)
        }
    }
}

@Suite struct CIDatabaseTests {
    @Test func ciAlwaysHasATestDatabase() {
        if getenv("CI") != nil {
            #expect(TestDatabase.isConfigured, "CI must run the integration tests: run them through scripts/test")
        }
    }
}
