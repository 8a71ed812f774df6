import IngestPostgres
import Testing

@testable import Importers

/// What ``ComponentAggregator`` says of the rows it copied: the chunk's statement leaves out its
/// `GROUP BY` only when no (CAT, SEL, code) was written twice, so a wrong "distinct" would copy
/// two rows for one component (and fail the set's unique key at publish).
@Suite("Golden Components chunk aggregator", .enabled(if: TestDatabase.isConfigured))
struct ComponentAggregatorTests {
    static func record(_ sel: Int, _ code: Int, quantity: String? = "1") -> GoldenComponentRecord {
        GoldenComponentRecord(
            cat: "DRY", sel: "S\(sel)", componentCode: "C\(code)", description: "part \(code)", quantity: quantity,
            material: nil, labor: "2.5", equipment: nil)
    }

    /// Copies `records` (lines from 2) through one aggregator; its verdict and the copied rows.
    static func copy(_ records: [GoldenComponentRecord]) throws -> (distinct: Bool, rows: [[String?]]) {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript(
                "CREATE TABLE part (line int, rows int, cat text, sel text, code text, description text, q text, m text, l text, e text)")
            var aggregator = ComponentAggregator()
            try connection.copyIn(try connection.copyStatement(
                table: "part", columns: ["line", "rows", "cat", "sel", "code", "description", "q", "m", "l", "e"])
            ) { writer in
                for (index, record) in records.enumerated() { try aggregator.add(record, line: index + 2, into: &writer) }
                try aggregator.flush(into: &writer)
            }
            return (aggregator.distinctKeys(), try connection.query("SELECT * FROM part ORDER BY line").rows.map { row in (0..<10).map { row[$0] } })
        }
    }

    @Test func distinctRowsPassedThroughAreDistinct() throws {
        let records = (0..<40_000).map { Self.record($0 % 100, $0) }
        let copied = try Self.copy(records)
        #expect(copied.distinct)
        #expect(copied.rows.count == 40_000)
    }

    @Test func oneRepeatedCodeAfterTheProbeIsNotDistinct() throws {
        var records = (0..<40_000).map { Self.record($0 % 100, $0) }
        records.append(Self.record(7, 7))
        let copied = try Self.copy(records)
        #expect(!copied.distinct)
        #expect(copied.rows.count == 40_001)
    }

    @Test func codesCombinedIntoOnePartEachAreDistinct() throws {
        let records = (0..<1_000).map { Self.record($0 % 10, $0 % 20) }
        let copied = try Self.copy(records)
        #expect(copied.distinct)
        #expect(copied.rows.count == 20)
        #expect(copied.rows[0][1] == "50")
        #expect(copied.rows[0][6] == "50")
        #expect(copied.rows[0][8] == "125.0")
    }

    /// A code met again after the aggregator has written its groups (every 65,536 rows) is
    /// written in two parts.
    @Test func aCodeWrittenInTwoPartsIsNotDistinct() throws {
        let records = (0..<70_000).map { Self.record($0 % 10, $0 % 20) }
        let copied = try Self.copy(records)
        #expect(!copied.distinct)
        #expect(copied.rows.count == 40)
    }

    /// A sum that would pass 38 digits starts a second part of the same code.
    @Test func aSplitSumIsNotDistinct() throws {
        let huge = String(repeating: "9", count: 37)
        let records = (0..<30).map { _ in Self.record(1, 1, quantity: huge) }
        let copied = try Self.copy(records)
        #expect(!copied.distinct)
        #expect(copied.rows.count > 1)
    }
}
