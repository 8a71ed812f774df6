import IngestPostgres
import Testing

@Suite("COPY FROM STDIN", .enabled(if: TestDatabase.isConfigured))
struct CopyTests {
    static let rows = 100_000

    @Test func copies100kRowsInTextFormat() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE c (id int8, name text, price numeric, note text)")
            let statement = try connection.copyStatement(table: "c", columns: ["id", "name", "price", "note"])
            let copied = try connection.copyIn(statement) { writer in
                for i in 1...Self.rows {
                    try writer.writeTextRow([String(i), "item\t\(i)\\x\n", "\(i).25", i % 10 == 0 ? nil : "n"])
                }
            }
            #expect(copied == Self.rows)
            let row = try #require(try connection.query(
                "SELECT count(*), sum(id), sum(price)::text, count(note), (SELECT name FROM c WHERE id = 1) FROM c").first)
            #expect(try row.decode(0, as: Int.self) == Self.rows)
            #expect(try row.decode(1, as: Int.self) == Self.rows * (Self.rows + 1) / 2)
            #expect(try row.decode(2, as: String.self) == "5000075000.00")
            #expect(try row.decode(3, as: Int.self) == Self.rows - Self.rows / 10)
            #expect(try row.decode(4, as: String.self) == "item\t1\\x\n")
        }
    }

    @Test func copiesCSVFormatBytes() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE c (code text, description text, qty numeric)")
            let statement = try connection.copyStatement(table: "c", columns: ["code", "description", "qty"], format: .csv)
            let copied = try connection.copyIn(statement) { writer in
                try writer.write(Array("DRY1/2,\"Drywall board - 1/2\"\" regular, 4x8\",140.8\nWTRDHM,,3\n".utf8))
            }
            #expect(copied == 2)
            let rows = try connection.query("SELECT code, description, qty::text FROM c ORDER BY code").rows
            #expect(rows[0][1] == "Drywall board - 1/2\" regular, 4x8")
            #expect(rows[1][1] == nil)
            #expect(rows[1][2] == "3")
        }
    }

    @Test func aCopyAbortedByTheClientLeavesNothingBehind() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE c (id int8)")
            let statement = try connection.copyStatement(table: "c", columns: ["id"])
            #expect(throws: Boom.self) {
                try connection.copyIn(statement) { writer in
                    for i in 1...Self.rows {
                        if i == 60_000 { throw Boom() }
                        try writer.writeTextRow([String(i)])
                    }
                }
            }
            #expect(try connection.query("SELECT count(*) FROM c").first?.decode(0, as: Int.self) == 0)
            // The connection is ready for the next command.
            try connection.copyIn(statement) { try $0.writeTextRow(["1"]) }
            #expect(try connection.query("SELECT count(*) FROM c").first?.decode(0, as: Int.self) == 1)
        }
    }

    @Test func aCopyRejectedByTheServerMidwayLeavesNothingBehind() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE c (id int8, qty numeric)")
            let statement = try connection.copyStatement(table: "c", columns: ["id", "qty"])
            let error = try #require(throws: PostgresError.self) {
                try connection.copyIn(statement) { writer in
                    for i in 1...Self.rows {
                        try writer.writeTextRow([String(i), i == 70_000 ? "12.5*" : "1"])
                    }
                }
            }
            #expect(error.sqlState == "22P02")
            #expect(!error.isTransient)
            #expect(error.message.contains("12.5*"))
            #expect(error.copyLine == 70_000, "\(error.context ?? "no context")")
            #expect(try connection.query("SELECT count(*) FROM c").first?.decode(0, as: Int.self) == 0)
        }
    }

    @Test func copyInsideATransactionRollsBackWithIt() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript("CREATE TABLE c (id int8)")
            let statement = try connection.copyStatement(table: "c", columns: ["id"])
            #expect(throws: Boom.self) {
                try connection.transaction { tx in
                    try tx.copyIn(statement) { writer in
                        for i in 1...1000 { try writer.writeTextRow([String(i)]) }
                    }
                    throw Boom()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM c").first?.decode(0, as: Int.self) == 0)
        }
    }
}
