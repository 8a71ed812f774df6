@testable import IngestAgent
import Importers
import IngestCore
import IngestPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A deliberately simple, single-threaded model of the Golden Components import (spec §5),
/// independent of the pipeline: it works on the generator's values, not on parsed CSV.
struct ExpectedComponents {
    struct Row {
        var cat: String
        var sel: String
        var code: String
        var description: String?
        /// Hundredths; nil = empty cell.
        var quantity: Int?
        var material: Int?
        var labor: Int?
        var equipment: Int?
    }

    static func format(_ hundredths: Int?) -> String {
        guard let value = hundredths else { return "∅" }
        let fraction = String(value % 100)
        return "\(value / 100).\(fraction.count == 1 ? "0" + fraction : fraction)00"
    }

    /// The rows `price_list_component_current` must hold, in `currentComponents()` form.
    static func compute(rows: [Row], items: [(String, String, String, String)]) -> (components: [String], unmatched: Int) {
        var unmatched = 0
        var groups: [String: [Row]] = [:]
        var itemsByBucket: [String: [(String, String, String, String)]] = [:]
        for item in items { itemsByBucket["\(item.0.uppercased())|\(item.1.uppercased())", default: []].append(item) }
        for row in rows {
            let matching = itemsByBucket["\(row.cat)|\(row.sel)"] ?? []
            if matching.isEmpty { unmatched += 1 }
            for item in matching {
                groups["\(item.0)|\(item.1)|\(item.2)|\(item.3) :: \(row.code)", default: []].append(row)
            }
        }
        func combine(_ values: [Int?]) -> Int? {
            values.count == 1 ? values[0] : values.reduce(0) { $0 + ($1 ?? 0) }
        }
        let components = groups.map { key, rows in
            key + " | " + (rows[0].description ?? "∅") + " | " + format(combine(rows.map(\.quantity))) + " | "
                + format(combine(rows.map(\.material))) + " | " + format(combine(rows.map(\.labor))) + " | "
                + format(combine(rows.map(\.equipment)))
        }
        return (components.sorted(), unmatched)
    }
}

/// Deterministic generator of legacy-layout Golden Components files.
struct ComponentsFileGenerator {
    static let cats = ["DRY", "WTR", "PNT", "FRM", "ELE"]

    /// Golden items: every cat with sels S0…S99, one or two activities each.
    static var items: [(String, String, String, String)] {
        var items: [(String, String, String, String)] = []
        for cat in cats {
            for s in 0..<100 {
                items.append((cat, "S\(s)", "+", "Item \(cat) \(s)"))
                if s % 3 == 0 { items.append((cat, "S\(s)", "-", "Item \(cat) \(s)")) }
            }
        }
        return items
    }

    /// `sels` and `codes` set how many rows meet in one component (fewer: more); `codes: nil`
    /// gives every row a code of its own. Rows after the first `count` repeat the first rows.
    static func generate(
        rows count: Int, seed: UInt64, sels: Int = 120, codes: Int? = 30, repeating repeats: Int = 0
    ) -> (csv: [UInt8], rows: [ExpectedComponents.Row]) {
        var rng = seed
        func next(_ bound: Int) -> Int {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Int((rng >> 33) % UInt64(bound))
        }
        func money() -> Int? { next(7) == 0 ? nil : next(100_000) }
        func text(_ v: Int?) -> String { v.map(ExpectedComponents.format) ?? "" }
        // The legacy layout plus `Component Desc`, one of the description alternatives.
        var out = Array("Cat,Sel,Activity,Desc,Component Code,Component Desc,Qty,Material,Labor,Equipment\n".utf8)
        var rows: [ExpectedComponents.Row] = []
        for i in 0..<(count + repeats) {
            var cat = next(12) == 0 ? "XYZ" : cats[next(cats.count)]
            var sel = "S\(next(sels))"
            var code = codes.map { "C\(next($0))" } ?? "C\(i)"
            if i >= count { (cat, sel, code) = (rows[i - count].cat, rows[i - count].sel, rows[i - count].code) }
            let description = next(4) == 0 ? "Part, \"special\" \(i)" : "Part \(i % 97)"
            let row = ExpectedComponents.Row(
                cat: cat, sel: sel, code: code, description: description,
                quantity: money(), material: money(), labor: money(), equipment: money())
            rows.append(row)
            // Lower-case and padded cells must land in the same bucket.
            let catCell = i % 5 == 0 ? " \(cat.lowercased()) " : cat
            CSVFormatter.appendRecord(
                [catCell, sel, "+", "x", code, description, text(row.quantity), text(row.material), text(row.labor),
                 text(row.equipment)],
                to: &out)
        }
        return (out, rows)
    }
}

@Suite("Golden Components import", .enabled(if: TestDatabase.isConfigured))
struct GoldenComponentsImportTests {
    @Test func xactimateSampleMatchesTheSpec() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let path = fixture.upload("components.csv", try #require(fixture.read(sampleFile("golden-components-xactimate.csv"))))
        let job = try fixture.runImport(path)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        let drywall = "Drywall - 1/2\" hung, taped, floated, ready for paint"
        #expect(try fixture.currentComponents() == [
            "DRY|1/2|+|\(drywall) :: DRY1/2 | Drywall board - 1/2\" regular, 4x8 sheet | 176.0000 | 0.7200 | 0.0000 | 0.0000",
            "DRY|1/2|-|\(drywall) :: DRY1/2 | Drywall board - 1/2\" regular, 4x8 sheet | 176.0000 | 0.7200 | 0.0000 | 0.0000",
            "WTR|DHM|+|Dehumidifier (per 24 hour period) - Large - No monitoring :: WTRDHM | Dehumidifier - Large (per 24 hr) | 3.0000 | 80.0000 | ∅ | ∅",
            "WTR|EQ|+|Equipment setup, take down, and monitoring (hourly charge) :: WTREQ | Water extraction equipment setup - per hour | 2.5000 | 52.8400 | ∅ | ∅",
        ])
        #expect(job.result?["itemCount"] == 4)
        #expect(job.result?["componentCount"] == 4)
        #expect(job.result?["unmatchedRows"] == 1)  // BHOE
        #expect(job.result?["rejectedRows"] == 0)
        #expect(job.progress == 100)
        #expect(job.sha256?.count == 64)
        let statusPath = path + ".status.json"
        #expect(fixture.validateStatusFile(statusPath))
        let status = try StatusFileWriter.read(statusPath)
        #expect(status.status == .succeeded)
        #expect(status.jobId == String(job.id))
        #expect(status.completedChunks == status.totalChunks)
    }

    @Test func legacySampleMatchesTheSpec() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let path = fixture.upload("legacy.csv", try #require(fixture.read(sampleFile("golden-components-legacy.csv"))))
        let job = try fixture.runImport(path)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        let components = try fixture.currentComponents()
        // Each DRY 1/2 item (+ and -) gets the three DRY rows; WTR DHM gets one.
        #expect(components.count == 7)
        #expect(components.contains { $0.hasSuffix(":: LABDRY | ∅ | 0.0135 | ∅ | 0.9800 | ∅") })
        #expect(job.result?["itemCount"] == 3)
    }

    @Test func generatedFileIsIdenticalForEveryWorkerAndChunkCount() throws {
        let fixture = try PipelineFixture()
        let items = ComponentsFileGenerator.items
        try fixture.seedGoldenList(items: items)
        let generated = ComponentsFileGenerator.generate(rows: 120_000, seed: 42)
        let expected = ExpectedComponents.compute(rows: generated.rows, items: items)
        let path = fixture.upload("generated.csv", generated.csv)
        let components = expected.components.count
        let withComponents = Set(expected.components.map { $0[..<$0.range(of: " :: ")!.lowerBound] }).count
        let combinations = [1, 2, 4].flatMap { workers in [1, 3, 8].map { (workers, $0) } }
        for (index, (workers, chunks)) in combinations.enumerated() {
            fixture.settings.workers = workers
            fixture.settings.chunks = .fixed(chunks)
            let job = try fixture.runImport(path, force: true)
            #expect(job.status == .succeeded, "workers \(workers) chunks \(chunks): \(String(describing: job.error))")
            #expect(job.totalChunks == chunks)
            #expect(job.result?["unmatchedRows"]?.intValue == expected.unmatched)
            #expect(job.result?["componentCount"]?.intValue == components)
            // About 30 components an item: counted by skipping through the item index (the
            // legacy sample, 7 components on 3 items, is counted by the sort).
            #expect(job.result?["itemCount"]?.intValue == withComponents)
            // The first set replaces nothing (counted from the new set's keys alone); each
            // later one the same components (a full join with the current set).
            let diff = try #require(job.result?["diff"])
            let counts = [diff["current"], diff["incoming"], diff["added"], diff["removed"], diff["changed"], diff["unchanged"], diff["itemsChanged"]]
            let first: [JSONValue?] = [0, .int(Int64(components)), .int(Int64(components)), 0, 0, 0, .int(Int64(withComponents))]
            let again: [JSONValue?] = [.int(Int64(components)), .int(Int64(components)), 0, 0, 0, .int(Int64(components)), 0]
            #expect(counts == (index == 0 ? first : again), "import \(index + 1): \(diff)")
            let actual = try fixture.currentComponents()
            #expect(actual.count == expected.components.count)
            let same = actual == expected.components
            #expect(same, "workers \(workers) chunks \(chunks): first difference \(firstDifference(actual, expected.components))")
        }
        // Every import made its own set; only the last one is current.
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set WHERE is_active") == 1)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set") == combinations.count)
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE state <> 'DONE'") == 0)
    }

    /// 60k rows in about 300 components: each chunk combines its rows before copying them
    /// (the chunk records its file's rows, not the parts it copied), with the same result.
    @Test func manyRowsPerComponentAreCombinedExactly() throws {
        let fixture = try PipelineFixture()
        let items = ComponentsFileGenerator.items
        try fixture.seedGoldenList(items: items)
        let generated = ComponentsFileGenerator.generate(rows: 60_000, seed: 7, sels: 10, codes: 5)
        let expected = ExpectedComponents.compute(rows: generated.rows, items: items)
        let path = fixture.upload("aggregated.csv", generated.csv)
        for chunks in [1, 3] {
            fixture.settings.chunks = .fixed(chunks)
            let job = try fixture.runImport(path, force: true)
            #expect(job.status == .succeeded, "chunks \(chunks): \(String(describing: job.error))")
            #expect(job.result?["unmatchedRows"]?.intValue == expected.unmatched)
            let actual = try fixture.currentComponents()
            #expect(actual == expected.components, "chunks \(chunks): first difference \(firstDifference(actual, expected.components))")
            #expect(try fixture.count("SELECT sum(input_rows) FROM import_chunk WHERE import_job_id = \(job.id)") == 60_000)
        }
    }

    /// 40k rows, nearly all their own component, in one chunk: past the aggregator's probe the
    /// rows pass through uncombined, with the same result.
    @Test func distinctRowsPassThroughExactly() throws {
        let fixture = try PipelineFixture()
        let items = ComponentsFileGenerator.items
        try fixture.seedGoldenList(items: items)
        let generated = ComponentsFileGenerator.generate(rows: 40_000, seed: 9, codes: 1_000)
        let expected = ExpectedComponents.compute(rows: generated.rows, items: items)
        fixture.settings.chunks = .fixed(1)
        let job = try fixture.runImport(fixture.upload("distinct.csv", generated.csv))
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        let actual = try fixture.currentComponents()
        #expect(actual == expected.components, "first difference \(firstDifference(actual, expected.components))")
    }

    /// 40k rows, each its own component, in one chunk: the chunk's statement fans them out
    /// without grouping them; the same rows and then their first 10 again (past the probe, so
    /// still passed through) are grouped, with the repeated components' sums.
    @Test func everyCodeOnceIsFannedOutUngroupedAndARepeatIsGrouped() throws {
        let fixture = try PipelineFixture()
        let items = ComponentsFileGenerator.items
        try fixture.seedGoldenList(items: items)
        fixture.settings.chunks = .fixed(1)
        for repeats in [0, 10] {
            let generated = ComponentsFileGenerator.generate(rows: 40_000, seed: 11, codes: nil, repeating: repeats)
            let expected = ExpectedComponents.compute(rows: generated.rows, items: items)
            let job = try fixture.runImport(fixture.upload("distinct-\(repeats).csv", generated.csv))
            #expect(job.status == .succeeded, "repeats \(repeats): \(String(describing: job.error))")
            #expect(job.result?["unmatchedRows"]?.intValue == expected.unmatched)
            let actual = try fixture.currentComponents()
            #expect(actual.count == expected.components.count)
            let same = actual == expected.components
            #expect(same, "repeats \(repeats): first difference \(firstDifference(actual, expected.components))")
        }
    }

    @Test func aPermanentChunkFailureFailsTheJobAndKeepsThePreviousSetCurrent() throws {
        let fixture = try PipelineFixture()
        let items = ComponentsFileGenerator.items
        try fixture.seedGoldenList(items: items)
        let good = ComponentsFileGenerator.generate(rows: 5_000, seed: 7)
        let first = try fixture.runImport(fixture.upload("good.csv", good.csv))
        #expect(first.status == .succeeded)
        let before = try fixture.currentComponents()

        // A database rule the file breaks: a check on the live table, which a new set's own
        // table takes on (a partition must have its parent's checks).
        try fixture.connection.executeScript(
            "ALTER TABLE price_list_component ADD CONSTRAINT component_boom_is_not_allowed CHECK (component_code <> 'BOOM')")
        var bad = ComponentsFileGenerator.generate(rows: 5_000, seed: 8).csv
        bad += Array("DRY,S1,+,x,BOOM,boom,1,1,1,1\n".utf8)
        fixture.settings.chunks = .fixed(8)
        let failed = try fixture.runImport(fixture.upload("bad.csv", bad))
        #expect(failed.status == .failed)
        #expect(failed.error?["code"] == "chunkFailed")
        #expect(failed.error?["sqlstate"] == "23514")
        #expect(failed.error?["chunk"]?.intValue != nil)
        #expect(failed.error?["message"]?.stringValue?.contains("component_boom_is_not_allowed") == true)
        #expect(try fixture.currentComponents() == before)
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND state = 'FAILED'", failed.id) == 1)
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND state = 'PENDING'", failed.id) == 0)
        #expect(fixture.validateStatusFile(fixture.directory + "/bad.csv.status.json"))
        // No chunk file of the failed job is left in the spool.
        #expect(try Files.list(fixture.settings.spoolDirectory + "/ready").isEmpty)
        #expect(try Files.list(fixture.settings.spoolDirectory + "/claimed").isEmpty)
    }

    @Test func rejectedRowsFailTheJobWithAReportAndNoChunks() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let path = fixture.upload("rejects.csv", """
            Code,Description,Quantity,Unit Price
            DRY1/2,ok,1,1
            WTRDHM,bad qty,12.5*,1
            WTREQ,ragged
            WTREQ,"stray "quote,1,1

            """)
        let job = try fixture.runImport(path)
        #expect(job.status == .failed)
        #expect(job.error?["code"] == "tooManyRejects")
        #expect(job.rejectsCount == 3)
        #expect(job.totalChunks == nil)
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1", job.id) == 0)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component") == 0)
        #expect(fixture.read(path + ".rejects.csv") == """
            line,reason,record
            3,column 'Quantity': '12.5*' is not a number,"WTRDHM,bad qty,12.5*,1"
            4,"expected 4 fields, found 2","WTREQ,ragged"
            5,field 2: text after the closing quote,"WTREQ,""stray ""quote,1,1"

            """)
        let status = try StatusFileWriter.read(path + ".status.json")
        #expect(status.rejects == StatusDocument.Rejects(count: 3, file: "rejects.csv.rejects.csv"))
        #expect(fixture.validateStatusFile(path + ".status.json"))

        // Within the limits, the same file loads its good rows and keeps the report.
        fixture.settings.maxRejects = 3
        let tolerated = try fixture.runImport(path)
        #expect(tolerated.status == .succeeded)
        #expect(tolerated.result?["rejectedRows"] == 3)
        #expect(fixture.exists(path + ".rejects.csv"))
    }

    @Test func aMissingColumnFailsBeforeAnyChunkNamingTheHeaders() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let job = try fixture.runImport(fixture.upload("noheader.csv", "Cat,Sel,Qty\nDRY,1/2,1\n"))
        #expect(job.status == .failed)
        #expect(job.error?["code"] == "missingColumn")
        #expect(job.error?["message"]?.stringValue?.contains("the header has: 'Cat', 'Sel', 'Qty'") == true)
        #expect(try fixture.count("SELECT count(*) FROM import_chunk") == 0)
        #expect(try Files.list(fixture.settings.spoolDirectory + "/tmp").isEmpty)
    }

    @Test func identicalContentIsADuplicateUnlessForced() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let csv = "Code,Quantity\nDRY1/2,1\n"
        let first = try fixture.runImport(fixture.upload("a.csv", csv))
        #expect(first.status == .succeeded)
        // The same content under another name: recorded, not imported again.
        let path = fixture.upload("b.csv", csv)
        let again = try fixture.runImport(path)
        #expect(again.status == .succeeded)
        #expect(again.duplicateOf == first.id)
        #expect(again.totalChunks == nil)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set") == 1)
        let status = try StatusFileWriter.read(path + ".status.json")
        #expect(status.duplicateOf == String(first.id))
        #expect(status.message?.contains("Duplicate of job \(first.id)") == true)
        #expect(fixture.validateStatusFile(path + ".status.json"))
        let forced = try fixture.runImport(path, force: true)
        #expect(forced.duplicateOf == nil)
        #expect(forced.totalChunks == 1)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set") == 2)
    }

    @Test func withoutAnActiveGoldenListTheJobFailsClearly() throws {
        let fixture = try PipelineFixture()
        let job = try fixture.runImport(fixture.upload("c.csv", "Code,Quantity\nDRY1/2,1\n"))
        #expect(job.status == .failed)
        #expect(job.error?["message"] == "No active GOLDEN price list found: import a Golden PETL file first")
    }

    @Test func emptyAndHeaderOnlyFiles() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let empty = try fixture.runImport(fixture.upload("empty.csv", ""))
        #expect(empty.status == .failed)
        #expect(empty.error?["code"] == "malformedFile")
        let headerOnly = try fixture.runImport(fixture.upload("header.csv", "Code,Quantity\r\n"))
        #expect(headerOnly.status == .succeeded)
        #expect(headerOnly.result?["componentCount"] == 0)
        #expect(headerOnly.totalChunks == 0)
        // Nothing was published: no set became active (the failed job's prepared set stays
        // inactive until garbage collection; the header-only job removed its own).
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set WHERE is_active") == 0)
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set WHERE import_job_id = $1", headerOnly.id) == 0)
    }

    @Test func anUnterminatedQuoteFailsNamingItsLine() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let job = try fixture.runImport(fixture.upload("quote.csv", "Code,Description\nDRY1/2,ok\nWTRDHM,\"never closed\nWTREQ,x\n"))
        #expect(job.status == .failed)
        #expect(job.error?["code"] == "malformedFile")
        #expect(job.error?["line"] == 3)
    }

    /// What `prepare` made and the plan are committed together: a plan that cannot be recorded
    /// (its job stopped running meanwhile) leaves no component set, no set table and no chunk.
    @Test func aPlanThatCannotBeRecordedLeavesNothingPrepared() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: ComponentsFileGenerator.items)
        let generated = ComponentsFileGenerator.generate(rows: 300, seed: 5)
        let path = fixture.upload("stopped.csv", generated.csv)
        let spool = Spool(root: fixture.settings.spoolDirectory)
        try spool.create()
        let ledger = JobLedger(connection: fixture.connection)
        let job = try ledger.createJob(
            type: .priceListComponents, target: "golden", path: path, fileName: "stopped.csv", size: Int64(generated.csv.count),
            createdBy: "test")
        try fixture.connection.query("UPDATE import_job SET status = 'FAILED' WHERE id = $1", job)
        let planner = Planner(
            importer: GoldenComponentsImporter(), options: ImportOptions(), settings: fixture.settings, spool: spool,
            connection: fixture.connection)
        #expect(throws: ImportFailure.self) { try planner.planUpload(job: job, path: path) }
        #expect(try fixture.count("SELECT count(*) FROM price_list_component_set") == 0)
        #expect(try fixture.count(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^price_list_component_s[0-9]+$'") == 0)
        #expect(try fixture.count("SELECT count(*) FROM import_chunk") == 0)
        #expect(try spool.claim(job: job, owner: .test(0)) == nil)
    }

    @Test func aChunkClaimedTwiceIsWrittenOnce() throws {
        let fixture = try PipelineFixture()
        let items = ComponentsFileGenerator.items
        try fixture.seedGoldenList(items: items)
        let generated = ComponentsFileGenerator.generate(rows: 3_000, seed: 3)
        let path = fixture.upload("twice.csv", generated.csv)
        fixture.settings.chunks = .fixed(3)
        let settings = fixture.settings
        let spool = Spool(root: settings.spoolDirectory)
        try spool.create()
        let ledger = JobLedger(connection: fixture.connection)
        let job = try ledger.createJob(type: .priceListComponents, target: "golden", path: path, fileName: "twice.csv", size: Int64(generated.csv.count), createdBy: "test")
        let importer = GoldenComponentsImporter()
        let planner = Planner(
            importer: importer, options: ImportOptions(), settings: settings, spool: spool, connection: fixture.connection)
        let plan = try planner.planUpload(job: job, path: path)
        #expect(plan.chunkIndexes.count == 3)

        let schema = fixture.schema
        let worker = ChunkWorker(
            importer: importer, settings: settings, spool: spool,
            connection: WorkerConnection(conninfo: TestDatabase.url!, schema: schema))
        // Load the first chunk, but keep a copy of its file as if the process died after
        // the commit and before removing it.
        let first = try #require(try spool.claim(job: job, owner: .test(0)))
        _ = system("cp '\(first.path)' '\(first.path).copy'")
        #expect(worker.process(first) == .loaded(finalized: false))
        _ = system("mv '\(first.path).copy' '\(spool.readyDirectory)/\(Spool.chunkFileName(job: job, index: first.chunkIndex))'")
        let again = try #require(try spool.claim(job: job, owner: .test(1)))
        #expect(again.chunkIndex == first.chunkIndex)
        #expect(worker.process(again) == .alreadyDone)
        #expect(!fixture.exists(again.path))
        while let chunk = try spool.claim(job: job, owner: .test(0)) { _ = worker.process(chunk) }

        let finished = try #require(try ledger.snapshot(job))
        #expect(finished.status == .succeeded)
        #expect(finished.completedChunks == 3)
        let expected = ExpectedComponents.compute(rows: generated.rows, items: items)
        let actual = try fixture.currentComponents()
        let same = actual == expected.components
        #expect(same, "first difference \(firstDifference(actual, expected.components))")
    }
}

/// The first position where two row lists differ, for readable failures.
func firstDifference(_ actual: [String], _ expected: [String]) -> String {
    for (index, (a, e)) in zip(actual, expected).enumerated() where a != e {
        return "#\(index): actual '\(a)' expected '\(e)'"
    }
    return "counts \(actual.count) vs \(expected.count)"
}
