@testable import Importers
import IngestCore
import IngestPostgres
import Testing

/// ``GoldenPETLCopyRow`` writes, for every row it answers, the bytes the mapped row's `COPY`
/// text has (``GoldenPETLImporter/copyFields(_:line:marks:listId:)`` through
/// ``CopyInWriter/appendTextRow(_:to:)``), and tells the row's `Date` as the mapper does.
@Suite("Golden PETL COPY rows from bytes")
struct GoldenPETLCopyRowTests {
    /// For each data row of `csv` that maps: whether the byte path answered it, and its mismatch
    /// if its bytes or its date differ from the mapped row's.
    static func rowsBothWays(_ csv: String) throws -> (answered: Int, mapped: Int, mismatches: [String]) {
        let scanner = CSVScanner(source: MemoryByteSource(csv))
        var row: GoldenPETLCopyRow?
        var mapper: GoldenPETLMapper?
        var answered = 0, mapped = 0
        var mismatches: [String] = []
        try scanner.forEachRecord { record in
            guard let mapper else {
                let made = try GoldenPETLMapper(header: record.strings())
                mapper = made
                row = GoldenPETLCopyRow(mapper: made, listId: "7")
                return
            }
            let line = record.line
            let marks = line % 3
            let fast = row!.append(record, firstField: 0, line: line, marks: marks)
            let fastDate = row!.date(of: record, firstField: 0)
            guard case .accept(let mappedRow) = mapper.map(record, firstField: 0) else {
                if fast != nil { mismatches.append("line \(line): the bytes answered a row mapping rejects") }
                return
            }
            mapped += 1
            if let fastDate, fastDate != mappedRow.sourceDate {
                mismatches.append("line \(line): date \(String(describing: fastDate)) from bytes, \(String(describing: mappedRow.sourceDate)) mapped")
            }
            guard let fast else { return }
            answered += 1
            if fast != mappedRow.sourceDate {
                mismatches.append("line \(line): the row's date \(String(describing: fast)) from bytes")
            }
            var expected: [UInt8] = []
            CopyInWriter.appendTextRow(GoldenPETLImporter.copyFields(mappedRow, line: line, marks: marks, listId: "7"), to: &expected)
            if row!.bytes != expected {
                mismatches.append(
                    "line \(line):\n  bytes:  \(String(decoding: row!.bytes, as: UTF8.self))  mapped: \(String(decoding: expected, as: UTF8.self))")
            }
        }
        return (answered, mapped, mismatches)
    }

    /// Every column the mapper reads and one it keeps only in the raw JSON, each cell clean
    /// or, one time in five, drawn from the cells the byte path must get exactly right (activity
    /// words in any case, codes, prices, dates, backslashes, quotes) or leave to the mapper
    /// (runs of spaces, padding, line breaks, tabs, non-ASCII, impossible days).
    @Test func everyFieldIsWrittenAsTheMappedRow() throws {
        let header = "Cat,Sel,Activity,Desc,Unit Cost,Group Code,Group Description,Unit,Coverage,Owner,Original Vendor,Date,Delete,Qty"
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        func cell(_ clean: String, _ others: [String]) -> String {
            next() % 5 == 0 ? others[next() % others.count] : clean
        }
        let text = [
            "", "1/2\"\" hung", "a\\b", "x  y", " pad", "pad ", "  ", "É", "\"a\tb\"", "\"a\r\nb\"", "\"a\nb\"", "\u{7F}",
            "\"Drywall, taped\"", "{\"\"k\"\": 1}", "x",
        ]
        let prices = ["", "1", "-2.50", "$97.59", "\"1,234.50\"", "0", "abc", " 4", "1e3", "5.", ".5", "007"]
        let activities = [
            "", "+", "-", "&", "R", "r", "remove and replace", "Remove and Replace", "R&R", "install new", "Other", "Remove  X",
            "É", " Replace", "\"D&R\t\"", "mat", "Materials Only", "a\\b",
        ]
        let dates = ["", "10/18/2022", "2025-01-02", "2/30/24", "2025-13-01", "x", " 1/1/2025", "1/1/202", "12/31/99", "3/1/2025 "]
        var csv = header + "\n"
        for index in 0..<5_000 {
            let row = [
                cell("DRY", text), cell("S\(index % 700)", text), cell("Replace", activities), cell("Drywall \(index % 900)", text),
                cell("12.50", prices), cell("GC", text), cell("Group", text), cell("SF", text), cell("Cov", text),
                cell("NEXADMIN", text), cell("Vendor", text), cell("3/14/25", dates), cell("", ["yes", "TRUE", "1", "no"]),
                cell("1.00", text),
            ]
            csv += row.joined(separator: ",") + "\n"
        }
        let result = try Self.rowsBothWays(csv)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.prefix(5).joined(separator: "\n"))")
        #expect(result.answered > 500, "rows answered from bytes: \(result.answered) of \(result.mapped)")
        #expect(result.answered < result.mapped - 1_000)
    }

    /// An older export without Activity, Unit or Date: NULL in their place.
    @Test func missingColumnsAreNull() throws {
        let csv = """
            Cat,Sel,Desc,Unit Cost
            DRY,1/2,Board,1.00
            WTR,,Dehu,
            """
        let result = try Self.rowsBothWays(csv)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.joined(separator: "\n"))")
        #expect(result.answered == 2)
    }

    /// The sample export in the fixtures (every column of a real export): every row is
    /// answered from its bytes and written as the mapped row.
    @Test func theSampleExportIsAnsweredFromBytes() throws {
        let root = "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" })
        let csv = try String(contentsOfFile: root + "/Tests/Fixtures/golden-petl.csv", encoding: .utf8)
        let result = try Self.rowsBothWays(csv)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.prefix(5).joined(separator: "\n"))")
        #expect(result.mapped == 5)
        #expect(result.answered == result.mapped)
    }
}
