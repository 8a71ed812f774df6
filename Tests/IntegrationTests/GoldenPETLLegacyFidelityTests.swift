@testable import IngestAgent
import Importers
import IngestCore
import IngestPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A file of `shared/` (beside the repository, as in CI), or nil where there is none.
func sharedFile(_ relative: String) -> String? {
    let root = "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" })
    let path = root + "/../shared/" + relative
    if access(path, R_OK) == 0 { return path }
    // CI always has shared/ beside the clone: a missing file there is a failure, not a skip.
    if getenv("CI") != nil { Issue.record("\(path) is missing") }
    return nil
}

/// What the legacy importer did that we must do too: the whole Cat → division table, and
/// older exports without `Activity` and `Unit` columns.
@Suite("Golden PETL: legacy fidelity", .enabled(if: TestDatabase.isConfigured))
struct GoldenPETLLegacyFidelityTests {
    /// The spec's sample header without `Unit` and `Activity`, as older exports are, and rows
    /// of the sample without those cells.
    static func olderExport(rows: Int) -> String {
        let header = sampleText.prefix { $0 != "\n" }.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        precondition(header.last == "Delete")
        let dropped = [header.firstIndex(of: "Activity")!, header.firstIndex(of: "Unit")!]
        func without(_ fields: [String]) -> String {
            fields.enumerated().filter { !dropped.contains($0.offset) }.map(\.element).joined(separator: ",")
        }
        var text = without(Array(header.dropLast())) + "\n"  // no Delete column either
        for index in 0..<rows {
            var fields = ["\(index + 1)", "", "", "Old item \(index)"] + Array(repeating: "0.00", count: header.count - 4)
            fields[header.firstIndex(of: "Unit Cost")!] = "\(index + 1).25"
            fields[header.firstIndex(of: "Cat")!] = ["DRY", "ACC", "GLS"][index % 3]
            fields[header.firstIndex(of: "Sel")!] = "S\(index)"
            fields[header.firstIndex(of: "Date")!] = "3/1/2025"
            text += without(Array(fields.dropLast())) + "\n"
        }
        return text
    }

    /// The spec's §10.1 sample (with activities and a Delete column).
    static var sampleText: String {
        let file = fopen(sampleFile("golden-petl.csv"), "r")!
        defer { fclose(file) }
        var bytes: [UInt8] = []
        while case let byte = getc(file), byte != EOF { bytes.append(UInt8(byte)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func theWholeLegacyDivisionTableIsSeeded() throws {
        let fixture = try PipelineFixture()
        #expect(try fixture.count("SELECT count(*) FROM cat_division") == 107)
        // The spec's examples are kept.
        let examples = try fixture.connection.query(
            "SELECT string_agg(cat || '=' || division_code, ',' ORDER BY cat) FROM cat_division WHERE cat IN ('DRY', 'WTR', 'PLM', 'ELE', 'RFG')"
        ).first?[0]
        #expect(examples == "DRY=09,ELE=16,PLM=15,RFG=07,WTR=01")
        guard let path = sharedFile("data/cat-division.csv") else { return }
        let legacy = fixture.read(path)!.split(separator: "\n").dropFirst().map { $0.replacingOccurrences(of: ",", with: "=") }
        let seeded = try fixture.connection.query("SELECT cat || '=' || division_code FROM cat_division ORDER BY cat").rows.map { $0[0]! }
        #expect(seeded == legacy.sorted())
    }

    @Test func itemsOfCatsBeyondTheSpecsExamplesGetTheirDivision() throws {
        let fixture = try PipelineFixture()
        let path = fixture.upload("older.csv", Self.olderExport(rows: 6))
        let job = try fixture.importPETL(path, mode: .replace)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        let divisions = try fixture.connection.query(
            "SELECT cat || '=' || coalesce(division_code, '∅') FROM golden_price_list_item_current GROUP BY 1 ORDER BY 1"
        ).rows.map { $0[0]! }
        #expect(divisions == ["ACC=13", "DRY=09", "GLS=08"])
    }

    @Test func anOlderExportWithoutActivityAndUnitImportsInReplaceMode() throws {
        let fixture = try PipelineFixture()
        let path = fixture.upload("older.csv", Self.olderExport(rows: 4))
        let job = try fixture.importPETL(path, mode: .replace)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        #expect(job.result?["itemCount"]?.intValue == 4)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current WHERE activity IS NULL AND unit IS NULL") == 4)
        // The canonical key's activity part is empty (spec §1.5 with an empty Activity).
        #expect(try fixture.itemsWithAWrongHash() == 0)
    }

    @Test func anOlderExportMergesOverARevisionWithActivities() throws {
        let fixture = try PipelineFixture()
        let sample = fixture.upload("sample.csv", Self.sampleText)
        let first = try fixture.importPETL(sample, mode: .replace)
        #expect(first.status == .succeeded)
        let before = try fixture.count("SELECT count(*) FROM golden_price_list_item_current")
        let older = fixture.upload("older.csv", Self.olderExport(rows: 3))
        let job = try fixture.importPETL(older, mode: .merge)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        // Other keys (no activity): added, and every item with an activity is carried forward.
        #expect(job.result?["mergeStats"] == mergeStats(updated: 0, added: 3, deleted: 0, unchanged: before, duplicate: 0))
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current") == before + 3)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current WHERE activity IS NOT NULL") == before)
        #expect(try fixture.itemsWithAWrongHash() == 0)
    }

    @Test func everyItemOfARealExportGetsADivision() throws {
        guard let shared = sharedFile("samples/real/golden-petl-xactimate-export.csv") else { return }
        let fixture = try PipelineFixture()
        // A copy: an import writes its status file beside the upload, never into shared/.
        let path = fixture.upload("golden-petl-xactimate-export.csv", try #require(fixture.readBytes(shared)))
        let job = try fixture.importPETL(path, mode: .replace)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current") == 17_386)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current WHERE division_code IS NOT NULL") == 17_386)
    }
}
