import IngestPostgres
import Testing

struct Boom: Error {}

@Suite("Transactions", .enabled(if: TestDatabase.isConfigured))
struct TransactionTests {
    @Test func commitsWhenTheBodyReturns() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE t (v int)")
            let value = try connection.transaction { tx in
                try tx.query("INSERT INTO t VALUES ($1), ($2)", 1, 2)
                return 7
            }
            #expect(value == 7)
            #expect(try connection.query("SELECT count(*) FROM t").first?.decode(0, as: Int.self) == 2)
        }
    }

    @Test func rollsBackWhenTheBodyThrows() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE t (v int)")
            #expect(throws: Boom.self) {
                try connection.transaction { tx in
                    try tx.query("INSERT INTO t VALUES ($1)", 1)
                    throw Boom()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM t").first?.decode(0, as: Int.self) == 0)
            // The connection is usable and outside any transaction.
            try connection.query("INSERT INTO t VALUES ($1)", 3)
            #expect(try connection.query("SELECT count(*) FROM t").first?.decode(0, as: Int.self) == 1)
        }
    }

    @Test func rollsBackWhenAStatementFails() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE t (v int CHECK (v > 0))")
            let error = try #require(throws: PostgresError.self) {
                try connection.transaction { tx in
                    try tx.query("INSERT INTO t VALUES ($1)", 5)
                    try tx.query("INSERT INTO t VALUES ($1)", -1)
                }
            }
            #expect(error.sqlState == "23514")
            #expect(try connection.query("SELECT count(*) FROM t").first?.decode(0, as: Int.self) == 0)
        }
    }
}
