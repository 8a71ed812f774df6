import IngestPostgres
import Testing

@Suite("SQLSTATE classification", .enabled(if: TestDatabase.isConfigured))
struct ErrorClassificationTests {
    /// Errors raised by the server with a chosen SQLSTATE, classified as workers will see them.
    @Test(arguments: [
        ("40001", true), ("40P01", true), ("55P03", true), ("57P01", true), ("57P03", true), ("08006", true),
        ("23505", false), ("22P02", false), ("42P01", false), ("P0001", false),
    ])
    func raisedStates(sqlState: String, transient: Bool) throws {
        let connection = try TestDatabase.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.executeScript("DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '\(sqlState)'; END $$")
        }
        #expect(error.sqlState == sqlState)
        #expect(error.isTransient == transient)
    }

    @Test func realDivisionByZeroIsPermanent() throws {
        let connection = try TestDatabase.connect()
        let error = try #require(throws: PostgresError.self) { try connection.query("SELECT 1 / $1::int", 0) }
        #expect(error.sqlState == "22012")
        #expect(!error.isTransient)
    }

    @Test func realLockTimeoutIsTransient() throws {
        try TestDatabase.withSchema { holder, schema in
            try holder.executeScript("CREATE TABLE l (id int)")
            try holder.executeScript("BEGIN; LOCK TABLE l IN ACCESS EXCLUSIVE MODE;")
            defer { try? holder.executeScript("ROLLBACK") }
            let waiter = try TestDatabase.connect()
            try waiter.setSearchPath(schema)
            try waiter.executeScript("SET lock_timeout = '100ms'")
            let error = try #require(throws: PostgresError.self) { try waiter.query("SELECT count(*) FROM l") }
            #expect(error.sqlState == "55P03")
            #expect(error.isTransient)
        }
    }

    @Test func terminatedBackendIsATransientConnectionLoss() throws {
        let victim = try TestDatabase.connect()
        let killer = try TestDatabase.connect()
        try killer.query("SELECT pg_terminate_backend($1)", Int(victim.backendPID))
        let error = try #require(throws: PostgresError.self) { try victim.query("SELECT 1") }
        #expect(error.isTransient, "\(error.code) \(error.sqlState ?? "-"): \(error.message)")
        #expect(!victim.isOpen)
        // A closed connection keeps failing cleanly.
        victim.close()
        let closed = try #require(throws: PostgresError.self) { try victim.query("SELECT 1") }
        #expect(closed.code == .connectionLost)
    }
}
