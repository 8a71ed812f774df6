import IngestCore
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
    static func copy(_ records: [GoldenComponentRecord], schedule: ComponentAggregator.PartSchedule = ComponentAggregator.defaultSchedule)
        throws -> (distinct: Bool, rows: [[String?]]) {
        try TestDatabase.withSchema { connection, _ in
            try connection.executeScript(
                "CREATE TABLE part (line int, rows int, cat text, sel text, code text, description text, q text, m text, l text, e text)")
            var aggregator = ComponentAggregator(schedule: schedule)
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

    /// A code met again after the aggregator has written its groups (here every 65,536 rows)
    /// is written in two parts.
    @Test func aCodeWrittenInTwoPartsIsNotDistinct() throws {
        let records = (0..<70_000).map { Self.record($0 % 10, $0 % 20) }
        let copied = try Self.copy(records, schedule: .rows(65_536))
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

    /// A chunk file (each record led by its line, from 2) of `count` rows in `layout` that meet
    /// in about 300 components, with the cells that take mapping to read mixed in: lower-case
    /// and padded codes and buckets, numbers with dollars, commas, an exponent or parentheses,
    /// empty and blank cells, a material that falls back to the next column, codes that are
    /// canonically equivalent but not equal (`é` and `e` + U+0301), and sums past 38 digits.
    static func chunkFile(_ layout: String, rows count: Int) -> String {
        var lines: [String] = []
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        func number(_ i: Int) -> String {
            switch next(24) {
            case 0: return ""
            case 1: return " "
            case 2: return "\"$1,234.50\""
            case 3: return "1E3"
            case 4: return "(5.00)"
            case 5: return "-3"
            case 6: return "2.125"
            default: return "\(next(1000)).\(next(10))\(next(10))"
            }
        }
        for i in 0..<count {
            let component = next(300)
            let huge = component == 11 ? String(repeating: "9", count: 37) : nil
            var code = "WTRS\(component)"
            switch next(40) {
            case 0: code = code.lowercased()
            case 1: code = " \(code)  "
            case 2 where component < 5: code = "CAF\u{E9}\(component)"
            case 3 where component < 5: code = "CAFe\u{301}\(component)"
            default: break
            }
            let description = "part \(component) at \(i)"
            let fields: [String]
            if layout == "xactimate" {
                // Code, Description, Tax Status, Contractor Supplied, Quantity, Unit, Unit Price, Total, …
                let unitPrice = next(9) == 0 ? "\"12,240.33*\"" : next(9) == 0 ? "" : number(i)
                fields = [code, description, "Taxable", "Yes", huge ?? number(i), "EA", unitPrice, number(i), ""]
            } else {
                // Cat, Sel, Activity, Desc, Component Code, Qty, Material, Labor, Equipment
                let cat = ["DRY", "dry", " DRY", "Dry"][next(4)]
                fields = [cat, "S\(component % 10)", "+", description, code, huge ?? number(i), number(i), number(i), number(i)]
            }
            lines.append(([String(i + 2)] + fields).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let headers = [
        "xactimate": ["Code", "Description", "Tax Status", "Contractor Supplied", "Quantity", "Unit", "Unit Price", "Total",
                      "Request third-party pricing"],
        "legacy": ["Cat", "Sel", "Activity", "Desc", "Component Code", "Qty", "Material", "Labor", "Equipment"],
    ]

    /// The chunk statement's sums over a staging table's parts, as text.
    static func grouped(_ connection: PostgresConnection, _ table: String) throws -> [String] {
        try connection.query(
            """
            SELECT cat || '|' || sel || '|' || component_code || '|' || coalesce((min(ARRAY[lpad(line::text, 10, '0') COLLATE "C", description]))[2], '∅')
                   || '|' || coalesce((CASE WHEN sum(rows) = 1 THEN min(quantity) ELSE sum(coalesce(quantity, 0)) END)::text, '∅')
                   || '|' || coalesce((CASE WHEN sum(rows) = 1 THEN min(material) ELSE sum(coalesce(material, 0)) END)::text, '∅')
                   || '|' || coalesce((CASE WHEN sum(rows) = 1 THEN min(labor) ELSE sum(coalesce(labor, 0)) END)::text, '∅')
                   || '|' || coalesce((CASE WHEN sum(rows) = 1 THEN min(equipment) ELSE sum(coalesce(equipment, 0)) END)::text, '∅')
                   || '|' || sum(rows)
            FROM \(table) GROUP BY cat, sel, component_code ORDER BY 1
            """
        ).rows.map { try $0.require(0, as: String.self) }
    }

    /// Rows combined from their bytes (mapped only where their bytes do not tell) give the same
    /// components, to the digit, as every mapped row copied alone: 80k rows, the parts written
    /// every 16,384 rows on the way, so that every group held then is continued.
    @Test(arguments: ["xactimate", "legacy"])
    func rowsCombinedFromTheirBytesSumAsEveryRowCopiedAlone(layout: String) throws {
        let file = Self.chunkFile(layout, rows: 80_000)
        let mapper = try GoldenComponentsMapper(header: Self.headers[layout]!)
        func rows() -> ChunkRows<GoldenComponentsMapper> {
            ChunkRows(mapper: mapper, chunk: 0) { CSVScanner(source: MemoryByteSource(file)) }
        }
        try TestDatabase.withSchema { connection, _ in
            let columns = ["line", "rows", "cat", "sel", "component_code", "description", "quantity", "material", "labor", "equipment"]
            for table in ["combined", "alone"] {
                try connection.executeScript(
                    """
                    CREATE TABLE \(table) (line int, rows int, cat text, sel text, component_code text, description text,
                                           quantity numeric, material numeric, labor numeric, equipment numeric)
                    """)
            }
            var aggregator = ComponentAggregator(schedule: .rows(16_384))
            let combined = rows()
            let copied = try connection.copyIn(try connection.copyStatement(table: "combined", columns: columns)) { writer in
                try combined.forEachRecord { record, line in try aggregator.add(record, line: line, from: combined, into: &writer) }
                try aggregator.flush(into: &writer)
            }
            #expect(combined.count == 80_000)
            let distinct = aggregator.distinctKeys()
            #expect(!distinct)
            #expect(copied < 8_000)
            let alone = rows()
            try connection.copyIn(try connection.copyStatement(table: "alone", columns: columns)) { writer in
                try alone.forEachRow { record, line in
                    var single = ComponentAggregator()
                    try single.add(record, line: line, into: &writer)
                    try single.flush(into: &writer)
                }
            }
            let expected = try Self.grouped(connection, "alone")
            let actual = try Self.grouped(connection, "combined")
            #expect(expected.count > 300)
            #expect(actual == expected, "first difference \(firstDifference(actual, expected))")
        }
    }
}
