@testable import Importers
import IngestCore
import IngestPostgres
import Testing

/// ``XactRawCopyRow`` writes, for every row it answers, the bytes the mapped row's `COPY` text
/// has (``XactRawImporter/copyFields(_:line:versionId:)`` through ``CopyInWriter/appendTextRow(_:to:)``).
@Suite("XACT raw COPY rows from bytes")
struct XactRawCopyRowTests {
    /// For each data row of `csv` that maps: whether the byte path answered it, and its mismatch
    /// if its bytes differ from the mapped row's.
    static func rowsBothWays(_ csv: String, versionId: Int? = 42) throws -> (answered: Int, mapped: Int, mismatches: [String]) {
        let scanner = CSVScanner(source: MemoryByteSource(csv))
        var row: XactRawCopyRow?
        var mapper: XactRawMapper?
        var answered = 0, mapped = 0
        var mismatches: [String] = []
        try scanner.forEachRecord { record in
            guard let mapper else {
                let made = try XactRawMapper(header: record.strings())
                mapper = made
                row = XactRawCopyRow(mapper: made, versionId: versionId)
                return
            }
            let line = record.line
            let fast = row!.append(record, firstField: 0, line: line) ? row!.bytes : nil
            guard case .accept(let mappedRow) = mapper.map(record, firstField: 0) else {
                if fast != nil { mismatches.append("line \(line): the bytes answered a row mapping rejects") }
                return
            }
            mapped += 1
            guard let fast else { return }
            answered += 1
            var expected: [UInt8] = []
            CopyInWriter.appendTextRow(XactRawImporter.copyFields(mappedRow, line: line, versionId: versionId), to: &expected)
            if fast != expected {
                mismatches.append(
                    "line \(line):\n  bytes:  \(String(decoding: fast, as: UTF8.self))  mapped: \(String(decoding: expected, as: UTF8.self))")
            }
        }
        return (answered, mapped, mismatches)
    }

    /// Every column the mapper reads, each cell clean or, one time in six, drawn from the cells
    /// the byte path must get exactly right (codes, flags, dates, padded numbers, runs of
    /// spaces, line breaks, backslashes) or leave to the mapper (non-ASCII, exponents, words).
    @Test func everyFieldIsWrittenAsTheMappedRow() throws {
        let fields = XactRawColumns.Field.allCases
        let header = "#," + fields.map { $0.aliases[0] }.joined(separator: ",")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        func cell(_ clean: String, _ others: [String]) -> String {
            next() % 6 == 0 ? others[next() % others.count] : clean
        }
        let text = [
            "", "1/2\"\" hung", "a\\b", "x  y", " pad", "pad ", "  ", "É", "\"a\tb\"", "\"a\r\nb\"", "\"a\nb\"", "\"a\rb\"",
            "\"a \t b\"", "\u{7F}", "\"Waste:  2.9%, Exposure: 5\"\",  Bundle\"",
        ]
        let numbers = ["", "1", "-2.50", "$97.59", "\"1,234.50\"", "\"$-1,000\"", "0", "-0", "abc", " 4", "(5)", "1e3", "5.", "$",
                       ".5", "007"]
        let codes = [
            "", "unit 10 bath", "UINT-007x", "UNIT_0", "UNITED", "GENERAL_COND", "DEF_163_ROOF", "Unit  1", " U", "UNIT_", "UNIT5",
            "A", "É1", "u\\1", "\"\tUNIT 2\"", "  ",
        ]
        let lineNumbers = ["", "12", "\"1,234\"", "007", "1234567890", "12a", "abc", "-3", "1.5", " 2", ","]
        let flags = ["", "No", "y", "N", "YES", " yes ", "x", "Né"]
        let dates = ["", "10/18/2022", "2025-01-02", "2/30/24", "2025-13-01", "x", " 1/1/2025", "1/1/202", "12/31/99"]
        let lives = ["", "150.00", "-3", "-0", "007", "15.5", "1234567890", "abc", "0"]
        let activities = ["", "+", "-", "remove and replace", "r&r", "r", "Other", "Remove  X", "É", " Replace", "\"D&R\t\""]
        let words = ["", "None", "Yes", "1.50", "$2", "x1", "(3)"]
        var csv = header + "\n"
        for _ in 0..<5_000 {
            var row = [cell("1", lineNumbers)]
            for field in fields {
                let value = switch field {
                case .groupCode: cell("UNIT_01_KIT", codes)
                case .groupDescription: cell("Kitchen", ["Bath  1", "Room \\2", "", " Den", "É", "  ", "\"\tDen\""])
                case .activity: cell("Replace", activities)
                case .life: cell("150", lives)
                case .recoverable, .replaceFlag: cell("Yes", flags)
                case .sourceDate: cell("3/14/25", dates)
                case .laborMinimum, .tax: cell("WTRMN-A", words)
                case .depreciationType, .adjSource: cell("Age/Condition", ["", "É", "a\\b", "\"t\tab\"", " x "])
                case .age, .qty, .itemAmount, .reportedCost, .unitCost, .workersWage, .laborBurden, .laborOverhead, .material,
                    .equipment, .marketConditions, .salesTax, .rcv, .depreciationAmount, .acv:
                    cell("12.50", numbers)
                default: cell("Clean text", text)
                }
                row.append(value)
            }
            csv += row.joined(separator: ",") + "\n"
        }
        let result = try Self.rowsBothWays(csv)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.prefix(5).joined(separator: "\n"))")
        #expect(result.answered > 500, "rows answered from bytes: \(result.answered) of \(result.mapped)")
        #expect(result.answered < result.mapped - 1_000)
    }

    /// Without a version id, and with a file that lacks most columns (NULL in their place; the
    /// key's parts empty): still the mapped row.
    @Test func missingColumnsAndVersionAreNull() throws {
        let csv = """
            Group Description,Desc,Qty
            Kitchen,Drywall,12.50
            Bath,,
            Den,"Paint, 2 coats",$1
            """
        let result = try Self.rowsBothWays(csv, versionId: nil)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.joined(separator: "\n"))")
        #expect(result.answered == 3)
    }

    /// The real export in the fixtures: every row is answered from its bytes and written as
    /// the mapped row.
    @Test func realExportIsAnsweredFromBytes() throws {
        let root = "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" })
        let csv = try String(contentsOfFile: root + "/Tests/Fixtures/xact-raw-real-estimate.csv", encoding: .utf8)
        let result = try Self.rowsBothWays(csv)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.prefix(5).joined(separator: "\n"))")
        #expect(result.mapped > 1_500)
        #expect(result.answered == result.mapped)
    }
}
