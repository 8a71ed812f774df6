import IngestPostgres
import Testing

@Suite("PostgreSQL connection", .enabled(if: TestDatabase.isConfigured))
struct ConnectionTests {
    @Test func connectsWithAURLAndReportsTheServer() throws {
        let connection = try TestDatabase.connect()
        #expect(connection.isOpen)
        #expect(connection.serverVersion >= 120000)
        let name = try connection.query("SELECT current_setting('application_name')").first?.decode(0, as: String.self)
        #expect(name == "nexus-ingest")
    }

    @Test func connectsWithAConninfoString() throws {
        // The same server, spelled as a conninfo string: "postgresql:///db?host=/dir" → "dbname=db host=/dir".
        let url = try #require(TestDatabase.url)
        let rest = url.dropFirst("postgresql:///".count)
        let parts = rest.split(separator: "?", maxSplits: 1)
        let conninfo = "dbname=\(parts[0]) \(parts[1].split(separator: "&").joined(separator: " "))"
        let connection = try PostgresConnection(conninfo: conninfo, applicationName: "conninfo-test")
        let name = try connection.query("SELECT current_setting('application_name')").first?.decode(0, as: String.self)
        #expect(name == "conninfo-test")
    }

    @Test func aConnectionToASchemaSeesOnlyItAndCompilesNothing() throws {
        // Whatever the server's own settings: the session's, set at connect.
        let connection = try PostgresConnection(conninfo: try #require(TestDatabase.url), schema: "Ingest Schema")
        let row = try #require(try connection.query("SELECT current_setting('search_path'), current_setting('jit')").first)
        #expect(try row.decode(0, as: String.self) == "\"Ingest Schema\"")
        #expect(try row.decode(1, as: String.self) == "off")
    }

    @Test func unreachableServerIsATransientConnectionFailure() throws {
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(conninfo: "host=/nonexistent-socket-dir dbname=x connect_timeout=2")
        }
        #expect(error.code == .connectionFailed)
        #expect(error.isTransient)
        #expect(error.message.contains("could not connect"))
    }

    @Test func parametersAreTypedAndNeverSpliced() throws {
        let connection = try TestDatabase.connect()
        let hostile = "x'); DROP TABLE pg_class; --"
        let row = try #require(try connection.query(
            "SELECT $1::text, $2::int8 + 1, $3::bool, $4::text IS NULL, $5::float8 * 2",
            hostile, 41, true, nil as String?, 1.25).first)
        #expect(try row.decode(0, as: String.self) == hostile)
        #expect(try row.decode(1, as: Int.self) == 42)
        #expect(try row.decode(2, as: Bool.self) == true)
        #expect(try row.decode(3, as: Bool.self) == true)
        #expect(try row.decode(4, as: Double.self) == 2.5)
    }

    @Test func nullsAndDecodingErrors() throws {
        let connection = try TestDatabase.connect()
        let row = try #require(try connection.query("SELECT NULL::int, 'abc'::text").first)
        #expect(try row.decode(0, as: Int.self) == nil)
        let error = try #require(throws: PostgresError.self) { try row.decode(1, as: Int.self) }
        #expect(error.code == .decoding)
        #expect(throws: PostgresError.self) { try row.require(0, as: Int.self) }
    }

    @Test func identifiersAreQuotedByLibpq() throws {
        let connection = try TestDatabase.connect()
        #expect(try connection.quoteIdentifier("nexus") == "\"nexus\"")
        #expect(try connection.quoteIdentifier("a\"b") == "\"a\"\"b\"")
        #expect(try connection.copyStatement(table: "t", columns: ["a", "b c"], format: .csv)
            == "COPY \"t\" (\"a\", \"b c\") FROM STDIN WITH (FORMAT csv)")
    }

    @Test func serverErrorsCarryDiagnostics() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1);")
            let error = try #require(throws: PostgresError.self) { try connection.query("INSERT INTO u VALUES ($1)", 1) }
            #expect(error.code == .server)
            #expect(error.sqlState == "23505")
            #expect(error.message.contains("duplicate key"))
            #expect(error.detail == "Key (id)=(1) already exists.")
            #expect(!error.isTransient)
            #expect(connection.isOpen)
        }
    }

    /// A sibling session has the schema and JIT setting of its connection, and commits apart:
    /// a script started on it runs while the first connection works, and its error surfaces
    /// when it is collected.
    @Test func aSiblingRunsAScriptBesideTheConnection() throws {
        try TestDatabase.withSchema { connection, schema in
            try connection.executeScript("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 1000)")
            let sibling = try connection.openSibling()
            #expect(try sibling.query("SELECT current_schema()").first?.decode(0, as: String.self) == schema)
            #expect(try sibling.query("SELECT current_setting('jit')").first?.decode(0, as: String.self) == "off")
            #expect(sibling.backendPID != connection.backendPID)

            try connection.executeScript("BEGIN")
            #expect(try connection.query("SELECT count(*) FROM t").first?.decode(0, as: Int.self) == 1000)
            // An index build (SHARE) beside a transaction that reads the table (ACCESS SHARE).
            try sibling.startScript("SELECT pg_sleep(0.2); CREATE UNIQUE INDEX t_id ON t (id)")
            #expect(throws: PostgresError.self) { try sibling.startScript("SELECT 1") }
            #expect(try connection.query("SELECT count(*) FROM t").first?.decode(0, as: Int.self) == 1000)
            try sibling.finishScript()
            try sibling.finishScript()  // nothing left: returns at once
            #expect(try connection.query("SELECT count(*) FROM pg_indexes WHERE indexname = 't_id'").first?.decode(0, as: Int.self) == 1)
            try connection.executeScript("COMMIT")

            try sibling.startScript("CREATE INDEX t_other ON t (id); SELECT 1/0")
            let error = try #require(throws: PostgresError.self) { try sibling.finishScript() }
            #expect(error.sqlState == "22012")
            // The script was one transaction: its index went with the error.
            #expect(try connection.query("SELECT count(*) FROM pg_indexes WHERE indexname = 't_other'").first?.decode(0, as: Int.self) == 0)
            #expect(try sibling.query("SELECT 1").first?.decode(0, as: Int.self) == 1)
        }
    }
}
