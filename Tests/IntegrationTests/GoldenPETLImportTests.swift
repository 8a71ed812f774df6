@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension PipelineFixture {
    /// The current Golden items as comparable text rows:
    /// `line|cat|sel|activity|description|unit price|last known|date|division|#`.
    func goldenLines() throws -> [String] {
        try connection.query(
            """
            SELECT line_no || '|' || coalesce(cat, '∅') || '|' || coalesce(sel, '∅') || '|' || coalesce(activity, '∅')
                   || '|' || coalesce(description, '∅') || '|' || coalesce(unit_price::text, '∅')
                   || '|' || coalesce(last_known_unit_price::text, '∅') || '|' || coalesce(source_date::text, '∅')
                   || '|' || coalesce(division_code, '∅') || '|' || coalesce(raw_json->>'#', '∅')
            FROM golden_price_list_item_current ORDER BY line_no
            """
        ).rows.map { $0[0]! }
    }

    /// The active Golden lists: `revision|label|effective date`.
    func activeGolden() throws -> [String] {
        try connection.query(
            """
            SELECT revision || '|' || label || '|' || coalesce(effective_date::text, '∅')
            FROM price_list WHERE kind = 'GOLDEN' AND is_active ORDER BY revision
            """
        ).rows.map { $0[0]! }
    }

    /// Current items whose hash is not spec §1.5's, computed by PostgreSQL.
    func itemsWithAWrongHash() throws -> Int {
        try count(
            """
            SELECT count(*) FROM golden_price_list_item_current
            WHERE canonical_key_hash IS DISTINCT FROM encode(sha256(convert_to(
                upper(coalesce(cat, '')) || '||' || upper(coalesce(sel, '')) || '||' || upper(coalesce(activity, ''))
                || '||' || upper(coalesce(description, '')), 'UTF8')), 'hex')
            """)
    }

    /// Imports a PETL file; forced, because these tests re-import the same content on
    /// purpose (merge after merge, replace after merge), which would otherwise be a duplicate.
    /// Imports with the removal guard off: these tests replace whole lists on purpose (the
    /// guards have tests of their own).
    func importPETL(_ path: String, mode: ImportOptions.Mode = .merge) throws -> JobSnapshot {
        try runImport(path, type: .priceList, options: ImportOptions(mode: mode, publish: PublishPolicy(maxRemovedRatio: 1)), force: true)
    }
}

/// `mergeStats` as a JSON value.
func mergeStats(updated: Int, added: Int, deleted: Int, unchanged: Int, duplicate: Int) -> JSONValue {
    [
        "updatedCount": .int(Int64(updated)), "addedCount": .int(Int64(added)), "deletedCount": .int(Int64(deleted)),
        "unchangedCount": .int(Int64(unchanged)), "duplicateCount": .int(Int64(duplicate)),
    ]
}

@Suite("Golden PETL import", .enabled(if: TestDatabase.isConfigured))
struct GoldenPETLImportTests {
    static let drywall = "Drywall - 1/2\" hung, taped, floated, ready for paint"
    static let dehumidifier = "Dehumidifier (per 24 hour period) - Large - No monitoring"
    static let setup = "Equipment setup, take down, and monitoring (hourly charge)"
    static let dumpster = "Dumpster load - Approx. 40 yards, 7-8 tons of debris"

    @Test func theSampleInMergeThenReplaceThenMergeMode() throws {
        let fixture = try PipelineFixture()
        let path = fixture.upload("golden-petl.csv", try #require(fixture.read(sampleFile("golden-petl.csv"))))

        // Merge into nothing: row 5's Delete mark matches no previous item.
        let first = try fixture.importPETL(path)
        #expect(first.status == .succeeded, "\(String(describing: first.error))")
        #expect(try fixture.goldenLines() == [
            "1|DRY|1/2|+|\(Self.drywall)|2.45|∅|2025-03-01|09|1",
            "2|DRY|1/2|-|\(Self.drywall)|0.52|∅|2025-03-01|09|2",
            "3|WTR|DHM|+|\(Self.dehumidifier)|80.00|∅|2025-03-01|01|3",
            "4|WTR|EQ|+|\(Self.setup)|52.84|∅|2025-03-01|01|4",
        ])
        #expect(first.result?["mergeStats"] == mergeStats(updated: 0, added: 4, deleted: 0, unchanged: 0, duplicate: 0))
        #expect(first.result?["revision"] == 1)
        #expect(first.result?["itemCount"] == 4)
        #expect(first.result?["mode"] == "merge")
        #expect(first.result?["priceListId"]?.intValue != nil)
        #expect(first.result?["rejectedRows"] == 0)
        #expect(first.result?["dataRows"] == 5)
        #expect(try fixture.activeGolden() == ["1|Golden Price List (2025-03-01)|2025-03-01"])
        #expect(try fixture.count(
            "SELECT count(*) FROM price_list WHERE kind = 'GOLDEN' AND code = 'XACT_ALL' AND currency = 'USD' AND import_job_id = $1",
            first.id) == 1)
        #expect(try fixture.itemsWithAWrongHash() == 0)
        #expect(fixture.validateStatusFile(path + ".status.json"))
        // The revision's partition is analyzed on the columns readers and imports use (the rest
        // is autovacuum's, unless it was quick enough to analyze them already).
        let partition = "price_list_item_r\(try #require(first.result?["priceListId"]?.intValue))"
        let analyzed = try fixture.strings(
            "SELECT attname::text FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1 ORDER BY attname", partition)
        if try fixture.count(
            "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = $1 AND last_autoanalyze IS NOT NULL",
            partition) == 0 {
            #expect(analyzed == RevisionStorage.analyzedColumns.sorted())
        } else {
            #expect(Set(analyzed).isSuperset(of: RevisionStorage.analyzedColumns))
        }

        // Replace: the Delete column is ignored, nothing is carried forward.
        let second = try fixture.importPETL(path, mode: .replace)
        #expect(second.status == .succeeded, "\(String(describing: second.error))")
        #expect(try fixture.goldenLines() == [
            "1|DMO|DUMP>>|+|\(Self.dumpster)|1120.00|∅|2025-03-01|02|5",
            "2|DRY|1/2|+|\(Self.drywall)|2.45|2.45|2025-03-01|09|1",
            "3|DRY|1/2|-|\(Self.drywall)|0.52|0.52|2025-03-01|09|2",
            "4|WTR|DHM|+|\(Self.dehumidifier)|80.00|80.00|2025-03-01|01|3",
            "5|WTR|EQ|+|\(Self.setup)|52.84|52.84|2025-03-01|01|4",
        ])
        #expect(second.result?["mergeStats"] == .null)
        #expect(second.result?["mode"] == "replace")
        #expect(second.result?["revision"] == 2)
        #expect(second.result?["itemCount"] == 5)
        #expect(try fixture.activeGolden() == ["2|Golden Price List (2025-03-01)|2025-03-01"])
        // The raw row, header names as keys, raw cells as values.
        let raw = try fixture.connection.query(
            "SELECT raw_json->>'Unit Cost', raw_json->>'Delete', (SELECT count(*) FROM jsonb_object_keys(raw_json)) FROM golden_price_list_item_current WHERE cat = 'DMO'"
        ).first!
        #expect(raw[0] == "$1,120.00" && raw[1] == "Yes" && raw[2] == "35")

        // Merge again: the Delete mark now removes the dumpster.
        let third = try fixture.importPETL(path)
        #expect(third.status == .succeeded, "\(String(describing: third.error))")
        #expect(third.result?["mergeStats"] == mergeStats(updated: 4, added: 0, deleted: 1, unchanged: 0, duplicate: 0))
        #expect(try fixture.goldenLines().count == 4)
        #expect(try !fixture.goldenLines().contains { $0.contains("DUMP>>") })
        #expect(try fixture.activeGolden().map { $0.prefix(2) } == ["3|"])
        #expect(try fixture.count("SELECT count(*) FROM price_list WHERE kind = 'GOLDEN'") == 3)
        #expect(try fixture.itemsWithAWrongHash() == 0)
    }

    @Test func mergeKeepsTheLastDuplicateCarriesForwardAndDeletes() throws {
        let fixture = try PipelineFixture()
        let header = "Cat,Sel,Activity,Desc,Unit Cost,Date,Delete\n"
        let base = try fixture.importPETL(fixture.upload("base.csv", header + """
            DRY,1/2,Replace,Board,1.00,1/1/24,
            DRY,1/2,Remove,Board,2.00,1/1/24,
            WTR,DHM,Replace,Dehu,3.00,1/1/24,
            PNT,P,+,Paint,4.00,,

            """))
        #expect(base.status == .succeeded, "\(String(describing: base.error))")
        let next = try fixture.importPETL(fixture.upload("next.csv", header + """
            DRY,1/2,+,Board,10.00,2/1/24,
            dry,1/2,Replace,board,11.00,3/1/24,
            WTR,DHM,Replace,Dehu,,2/1/24,yes
            DRY,1/2,Remove,Board,,,TRUE
            DRY,1/2,Remove,Board,,,1
            DRY,1/2,Remove,Board,20.00,2/1/24,no
            NEW,X,M,New item,5,2/1/24,
            NEW,Y,M,Gone before it came,5,12/1/24,Y

            """))
        #expect(next.status == .succeeded, "\(String(describing: next.error))")
        // DRY + : two rows, the later one (lower-case, 11.00) wins whole; DRY - : deleted
        // twice but re-added by a row without a mark; WTR DHM deleted; PNT carried forward
        // with its own last known price; NEW X added; NEW Y: a mark on nothing.
        #expect(try fixture.goldenLines() == [
            "1|dry|1/2|+|board|11.00|1.00|2024-03-01|09|∅",
            "2|DRY|1/2|-|Board|20.00|2.00|2024-02-01|09|∅",
            "3|NEW|X|M|New item|5|∅|2024-02-01|∅|∅",
            "4|PNT|P|+|Paint|4.00|∅|∅|09|∅",
        ])
        #expect(next.result?["mergeStats"] == mergeStats(updated: 2, added: 1, deleted: 3, unchanged: 1, duplicate: 1))
        // The publish guards' diff against the base: both DRY items updated (prices up 10 and
        // 18), WTR DHM removed, PNT carried forward, NEW X added; NEW Y's mark names nothing.
        let diff = try #require(next.result?["diff"])
        #expect(
            [diff["current"], diff["removed"], diff["incoming"], diff["added"], diff["updated"], diff["unchanged"],
             diff["unitPriceChanges"]] == [4, 1, 4, 1, 2, 1, 2], "\(diff)")
        #expect(diff["replaces"] == false)
        #expect(diff["largestRise"] == ["cat": "DRY", "sel": "1/2", "activity": "-", "from": "2.00", "to": "20.00"], "\(diff)")
        #expect(diff["largestFall"] == .null, "\(diff)")
        // The latest Date of the file, delete-marked rows included (spec §4.3).
        #expect(try fixture.activeGolden() == ["2|Golden Price List (2024-12-01)|2024-12-01"])
    }

    /// Merge after merge (with 1 and 4 workers, 1 and 8 chunks), then replace after that
    /// merge, each against the model.
    /// The chunks copy only each key's winning row: a row the build table refuses (here an
    /// operator's check on `price_list_item`, which the build table copies) fails the import
    /// naming its own line, not the line of the chunk's record with the same number.
    @Test func aRowTheBuildTableRefusesFailsNamingItsLine() throws {
        let fixture = try PipelineFixture()
        try fixture.connection.query("ALTER TABLE price_list_item ADD CONSTRAINT price_not_negative CHECK (unit_price >= 0)")
        let job = try fixture.importPETL(fixture.upload("negative.csv", """
            Cat,Sel,Activity,Desc,Unit Cost
            WTR,DHM,+,Dehu,1.00
            WTR,DHM,+,Dehu,2.00
            WTR,DHM,+,Dehu,-5.00
            DRY,1/2,+,Board,1.00

            """))
        #expect(job.status == .failed)
        #expect(job.error?["line"] == 4, "\(String(describing: job.error))")
        #expect(job.error?["message"]?.stringValue?.contains("price_not_negative") == true, "\(String(describing: job.error))")
        #expect(try fixture.count("SELECT count(*) FROM price_list WHERE is_active") == 0)
    }

    @Test func generatedFilesMatchTheModelForEveryWorkerAndChunkCount() throws {
        let fixture = try PipelineFixture()
        let base = PETLFileGenerator.generate(rows: 60_000, seed: 11, prefix: "a")
        let update = PETLFileGenerator.generate(rows: 200_000, seed: 12, prefix: "b")
        let replacement = PETLFileGenerator.generate(rows: 40_000, seed: 13, prefix: "c")
        let updatePath = fixture.upload("update.csv", update.csv)

        let first = try fixture.importPETL(fixture.upload("base.csv", base.csv))
        #expect(first.status == .succeeded, "\(String(describing: first.error))")
        let baseModel = ExpectedGoldenList.importing(base.rows, merge: true, previous: [:])
        try check(fixture, matches: baseModel, job: first, "base")
        let baseListId = try #require(first.result?["priceListId"]?.intValue)

        let merged = ExpectedGoldenList.importing(update.rows, merge: true, previous: baseModel.items)
        #expect(merged.mergeStats!.values.allSatisfy { $0 > 500 }, "\(merged.mergeStats!)")
        for (workers, chunks) in [(1, 1), (4, 8)] {
            fixture.settings.workers = workers
            fixture.settings.chunks = .fixed(chunks)
            let job = try fixture.importPETL(updatePath)
            #expect(job.status == .succeeded, "workers \(workers) chunks \(chunks): \(String(describing: job.error))")
            #expect(job.totalChunks == chunks)
            try check(fixture, matches: merged, job: job, "merge, workers \(workers) chunks \(chunks)")
            if workers == 1 {
                // Back to the base revision for the next run (as if garbage collection had
                // removed this one).
                let listId = try #require(job.result?["priceListId"]?.intValue)
                try fixture.connection.query("DELETE FROM price_list WHERE id = $1", listId)
                try fixture.connection.query("UPDATE price_list SET is_active = true WHERE id = $1", baseListId)
            }
        }

        fixture.settings.workers = 2
        fixture.settings.chunks = .fixed(3)
        let replaced = try fixture.importPETL(fixture.upload("replacement.csv", replacement.csv), mode: .replace)
        #expect(replaced.status == .succeeded, "\(String(describing: replaced.error))")
        try check(
            fixture, matches: ExpectedGoldenList.importing(replacement.rows, merge: false, previous: merged.items),
            job: replaced, "replace")
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE state <> 'DONE'") == 0)
    }

    /// A file in which no key repeats (its chunks skip picking each key's last row), merged
    /// over a base it shares keys with (updated, added, Delete-marked known and unknown keys)
    /// in 1 and 4 chunks, then replacing it: each against the model.
    @Test func aFileThatRepeatsNoKeyMatchesTheModel() throws {
        let fixture = try PipelineFixture()
        let base = PETLFileGenerator.generate(rows: 30_000, seed: 21, prefix: "a")
        var seen = Set<String>()
        let once = PETLFileGenerator.generate(rows: 60_000, seed: 22, prefix: "b").rows.filter { row in
            seen.insert(ExpectedGoldenList.key(cat: row.cat, sel: row.sel, activity: row.activity, description: row.description))
                .inserted
        }
        let first = try fixture.importPETL(fixture.upload("base.csv", base.csv))
        #expect(first.status == .succeeded, "\(String(describing: first.error))")
        let baseModel = ExpectedGoldenList.importing(base.rows, merge: true, previous: [:])
        let baseListId = try #require(first.result?["priceListId"]?.intValue)

        let merged = ExpectedGoldenList.importing(once, merge: true, previous: baseModel.items)
        let stats = try #require(merged.mergeStats)
        #expect(stats["duplicateCount"] == 0 && stats["deletedCount"]! > 100 && stats["updatedCount"]! > 1_000, "\(stats)")
        let path = fixture.upload("once.csv", PETLFileGenerator.csv(of: once))
        for chunks in [1, 4] {
            fixture.settings.chunks = .fixed(chunks)
            let job = try fixture.importPETL(path)
            #expect(job.status == .succeeded, "chunks \(chunks): \(String(describing: job.error))")
            try check(fixture, matches: merged, job: job, "merge, chunks \(chunks)")
            if chunks == 1 {
                let listId = try #require(job.result?["priceListId"]?.intValue)
                try fixture.connection.query("DELETE FROM price_list WHERE id = $1", listId)
                try fixture.connection.query("UPDATE price_list SET is_active = true WHERE id = $1", baseListId)
            }
        }
        let replaced = try fixture.importPETL(fixture.upload("once-replace.csv", PETLFileGenerator.csv(of: once)), mode: .replace)
        #expect(replaced.status == .succeeded, "\(String(describing: replaced.error))")
        try check(fixture, matches: ExpectedGoldenList.importing(once, merge: false, previous: merged.items), job: replaced, "replace")
    }

    private func check(
        _ fixture: PipelineFixture, matches model: ExpectedGoldenList, job: JobSnapshot, _ label: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let expected = model.lines
        let actual = try fixture.goldenLines()
        let same = actual == expected
        #expect(same, "\(label): first difference \(firstDifference(actual, expected))", sourceLocation: sourceLocation)
        #expect(job.result?["itemCount"]?.intValue == expected.count, "\(label)", sourceLocation: sourceLocation)
        let stats: JSONValue = model.mergeStats.map { .object($0.mapValues { .int(Int64($0)) }) } ?? .null
        #expect(job.result?["mergeStats"] == stats, "\(label)", sourceLocation: sourceLocation)
        let date = try #require(model.effectiveDate)
        #expect(try fixture.activeGolden().map { $0.split(separator: "|").dropFirst().joined(separator: "|") }
            == ["Golden Price List (\(date))|\(date)"], "\(label)", sourceLocation: sourceLocation)
        #expect(try fixture.itemsWithAWrongHash() == 0, "\(label)", sourceLocation: sourceLocation)
    }

    /// A list not built by nexus-ingest may hold an item without a canonical key (lists built
    /// before the key existed): a replace leaves it behind, and its diff counts it among the
    /// current items and the removed ones.
    @Test func aReplaceOverAnItemWithoutAKeySucceeds() throws {
        let fixture = try PipelineFixture()
        let header = "Cat,Sel,Activity,Desc,Unit Cost\n"
        let base = try fixture.importPETL(fixture.upload("base.csv", header + "DRY,1/2,+,Board,1.00\nWTR,DHM,+,Dehu,2.00\n"))
        #expect(base.status == .succeeded, "\(String(describing: base.error))")
        try fixture.connection.query("UPDATE price_list_item SET canonical_key_hash = NULL WHERE cat = 'WTR'")
        let replaced = try fixture.importPETL(fixture.upload("next.csv", header + "DRY,1/2,+,Board,1.50\n"), mode: .replace)
        #expect(replaced.status == .succeeded, "\(String(describing: replaced.error))")
        #expect(try fixture.goldenLines() == ["1|DRY|1/2|+|Board|1.50|1.00|∅|09|∅"])
        let diff = try #require(replaced.result?["diff"])
        #expect([diff["current"], diff["removed"], diff["updated"], diff["added"]] == [2, 1, 1, 0], "\(diff)")
    }

    /// No row of a file can name an item without a canonical key, so a merge carries every
    /// such item forward as it is, numbered in sort order among the others (its key part of
    /// the sort is empty; a tie between such items goes by their previous ids).
    @Test func aMergeCarriesItemsWithoutAKeyForward() throws {
        let fixture = try PipelineFixture()
        let header = "Cat,Sel,Activity,Desc,Unit Cost\n"
        let base = try fixture.importPETL(
            fixture.upload("base.csv", header + "DRY,1/2,+,Board,1.00\nWTR,DHM,+,Dehu,2.00\nACC,X,+,Anchor,3.00\nACC,X,+,Anchor 2,4.00\n"))
        #expect(base.status == .succeeded, "\(String(describing: base.error))")
        try fixture.connection.query("UPDATE price_list_item SET canonical_key_hash = NULL, description = 'Same' WHERE cat IN ('WTR', 'ACC')")
        // The two ACC items now tie on everything the sort compares: their previous ids decide.
        let tied = try fixture.connection.query("SELECT unit_price::text FROM price_list_item WHERE cat = 'ACC' ORDER BY id").rows.map { $0[0]! }
        let merged = try fixture.importPETL(fixture.upload("next.csv", header + "DRY,1/2,+,Board,1.50\n"))
        #expect(merged.status == .succeeded, "\(String(describing: merged.error))")
        let lines = try fixture.goldenLines()
        #expect(lines == [
            "1|ACC|X|+|Same|\(tied[0])|∅|∅|13|∅", "2|ACC|X|+|Same|\(tied[1])|∅|∅|13|∅", "3|DRY|1/2|+|Board|1.50|1.00|∅|09|∅",
            "4|WTR|DHM|+|Same|2.00|∅|∅|01|∅",
        ], "\(lines)")
        #expect(try fixture.count("SELECT count(*) FROM golden_price_list_item_current WHERE canonical_key_hash IS NULL") == 3)
        #expect(merged.result?["mergeStats"] == mergeStats(updated: 1, added: 0, deleted: 0, unchanged: 3, duplicate: 0))
        let diff = try #require(merged.result?["diff"])
        #expect([diff["current"], diff["removed"], diff["incoming"], diff["updated"], diff["unchanged"]] == [4, 0, 4, 1, 3], "\(diff)")
    }

    @Test func aByteOrderMarkCRLFAndTheEffectiveDate() throws {
        let fixture = try PipelineFixture()
        let rows = [
            "#,Desc,Unit Cost,Activity,Cat,Sel,Date",
            "1,Anchor,164.31,Remove and Replace,ACC,ANCR,11/2/2020",
            "2,Axle,710.08,Remove and Replace,ACC,BAXL,10/18/22",
            "3,Hub,\"1,413.35\",Replace,ACC,HUB,2023-01-13",
            "4,Other,1,Replace,ACC,OTH,N/A",
        ]
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((rows.joined(separator: "\r\n") + "\r\n").utf8)
        let job = try fixture.importPETL(fixture.upload("bom.csv", bytes))
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        #expect(try fixture.goldenLines() == [
            "1|ACC|ANCR|&|Anchor|164.31|∅|2020-11-02|13|1",
            "2|ACC|BAXL|&|Axle|710.08|∅|2022-10-18|13|2",
            "3|ACC|HUB|+|Hub|1413.35|∅|2023-01-13|13|3",
            "4|ACC|OTH|+|Other|1|∅|∅|13|4",
        ])
        #expect(try fixture.activeGolden() == ["1|Golden Price List (2023-01-13)|2023-01-13"])

        // No date at all: the plain label, and today (UTC) as the effective date (spec §4.3).
        let undated = try fixture.importPETL(fixture.upload("undated.csv", "Cat,Sel,Activity,Desc,Unit Cost\nACC,X,+,x,1\n"))
        #expect(undated.status == .succeeded)
        #expect(try fixture.count(
            """
            SELECT count(*) FROM price_list WHERE is_active AND label = 'Golden Price List'
              AND effective_date = (now() AT TIME ZONE 'UTC')::date
            """) == 1)
    }

    @Test func headerOnlyEmptyAndAllRejectedFilesFailAndKeepThePreviousRevision() throws {
        let fixture = try PipelineFixture()
        let sample = try fixture.importPETL(fixture.upload("sample.csv", try #require(fixture.read(sampleFile("golden-petl.csv")))))
        #expect(sample.status == .succeeded)

        let headerOnly = try fixture.importPETL(fixture.upload("header.csv", "Cat,Sel,Activity,Desc,Unit Cost\r\n"))
        #expect(headerOnly.status == .failed)
        #expect(headerOnly.error?["message"] == "Price list CSV has no data rows")
        #expect(headerOnly.error?["code"] == "precondition")
        #expect(headerOnly.totalChunks == 0)
        #expect(fixture.validateStatusFile(fixture.directory + "/header.csv.status.json"))

        let empty = try fixture.importPETL(fixture.upload("empty.csv", ""))
        #expect(empty.status == .failed)
        #expect(empty.error?["code"] == "malformedFile")

        fixture.settings.maxRejects = 5
        let rejected = try fixture.importPETL(fixture.upload("bad.csv", "Cat,Sel,Activity,Desc,Unit Cost\nDRY,1,+,x,abc\nDRY,2,+,x,1*\n"))
        #expect(rejected.status == .failed)
        #expect(rejected.error?["message"] == "Price list CSV has no usable data rows: all 2 were rejected")
        #expect(rejected.rejectsCount == 2)

        #expect(try fixture.activeGolden() == ["1|Golden Price List (2025-03-01)|2025-03-01"])
        #expect(try fixture.goldenLines().count == 4)
    }

    @Test func rejectedRowsAreReportedWithTheirLineAndNothingIsPublished() throws {
        let fixture = try PipelineFixture()
        let path = fixture.upload("rejects.csv", """
            Cat,Sel,Activity,Desc,Unit Cost,Date
            DRY,1/2,+,ok,1.00,3/1/25
            DRY,1/2,-,"bad, price",12.5*,3/1/25
            WTR,DHM,+,bad date,1,2/30/25
            WTR,EQ,+,ragged

            """)
        let job = try fixture.importPETL(path)
        #expect(job.status == .failed)
        #expect(job.error?["code"] == "tooManyRejects")
        #expect(fixture.read(path + ".rejects.csv") == """
            line,reason,record
            3,column 'Unit Cost': '12.5*' is not a number,"DRY,1/2,-,""bad, price"",12.5*,3/1/25"
            4,column 'Date': '2/30/25' is not a calendar date,"WTR,DHM,+,bad date,1,2/30/25"
            5,"expected 6 fields, found 4","WTR,EQ,+,ragged"

            """)
        #expect(try fixture.activeGolden().isEmpty)

        fixture.settings.maxRejects = 3
        let tolerated = try fixture.importPETL(path)
        #expect(tolerated.status == .succeeded)
        #expect(tolerated.result?["rejectedRows"] == 3)
        #expect(try fixture.goldenLines() == ["1|DRY|1/2|+|ok|1.00|∅|2025-03-01|09|∅"])
    }

    @Test func aFailedChunkLeavesThePreviousRevisionCurrent() throws {
        let fixture = try PipelineFixture()
        let base = PETLFileGenerator.generate(rows: 3_000, seed: 21, prefix: "a")
        let first = try fixture.importPETL(fixture.upload("base.csv", base.csv))
        #expect(first.status == .succeeded)
        let before = try fixture.goldenLines()

        // A check constraint of the items holds in the chunks (their build table has the items'
        // checks): the chunk holding the row fails.
        try fixture.connection.query(
            "ALTER TABLE price_list_item ADD CONSTRAINT item_boom_not_allowed CHECK (description IS DISTINCT FROM 'BOOM')")
        var bad = PETLFileGenerator.generate(rows: 3_000, seed: 22, prefix: "b").csv
        bad += Array("b0,,,BOOM,1,EA,,+,DRY,S1,GEN,,1/1/25,\n".utf8)
        fixture.settings.chunks = .fixed(6)
        let failed = try fixture.importPETL(fixture.upload("bad.csv", bad))
        #expect(failed.status == .failed)
        #expect(failed.error?["code"] == "chunkFailed")
        #expect(failed.error?["sqlstate"] == "23514")
        #expect(failed.error?["message"]?.stringValue?.contains("item_boom_not_allowed") == true)
        #expect(try fixture.goldenLines() == before)
        #expect(try fixture.activeGolden().map { $0.prefix(2) } == ["1|"])
        #expect(try fixture.count("SELECT count(*) FROM price_list WHERE import_job_id = $1 AND NOT is_active", failed.id) == 1)
    }

    @Test func aFailedFinalizeLeavesThePreviousRevisionCurrentAndIsNeverAPreviousRevision() throws {
        let fixture = try PipelineFixture()
        let sample = try #require(fixture.read(sampleFile("golden-petl.csv")))
        let first = try fixture.importPETL(fixture.upload("sample.csv", sample))
        #expect(first.status == .succeeded)

        try fixture.connection.executeScript(
            """
            CREATE FUNCTION refuse_publish() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'publishing refused'; END $$;
            CREATE TRIGGER refuse_publish BEFORE UPDATE ON price_list FOR EACH ROW
                WHEN (NEW.is_active AND NOT OLD.is_active) EXECUTE FUNCTION refuse_publish();
            """)
        // One price changes, so a later import shows which revision it took as previous.
        let repriced = sample.replacing(",2.45,SF,", with: ",9.99,SF,")
        let failed = try fixture.importPETL(fixture.upload("repriced.csv", repriced))
        #expect(failed.status == .failed)
        #expect(failed.error?["code"] == "finalizeFailed")
        #expect(failed.error?["message"]?.stringValue?.hasPrefix("finalize: ") == true)
        #expect(failed.error?["message"]?.stringValue?.contains("publishing refused") == true)
        #expect(try fixture.activeGolden().map { $0.prefix(2) } == ["1|"])
        #expect(try fixture.goldenLines().first == "1|DRY|1/2|+|\(Self.drywall)|2.45|∅|2025-03-01|09|1")
        // The failed revision holds its complete items, unpublished, in its build table.
        let failedList = try fixture.count("SELECT id FROM price_list WHERE import_job_id = $1", failed.id)
        #expect(try fixture.count("SELECT count(*) FROM price_list_item_b\(failedList) WHERE line_no >= 0") == 4)
        #expect(try fixture.count("SELECT count(*) FROM price_list_item WHERE price_list_id = $1", failedList) == 0)

        try fixture.connection.executeScript("DROP TRIGGER refuse_publish ON price_list")
        let next = try fixture.importPETL(fixture.upload("again.csv", repriced))
        #expect(next.status == .succeeded)
        #expect(next.result?["revision"] == 3)
        // Last known prices come from revision 1 (published), not from revision 2 (failed).
        #expect(try fixture.goldenLines().first == "1|DRY|1/2|+|\(Self.drywall)|9.99|2.45|2025-03-01|09|1")
        #expect(next.result?["mergeStats"] == mergeStats(updated: 4, added: 0, deleted: 0, unchanged: 0, duplicate: 0))
    }

    @Test func aRevisionPublishedWhileAnImportRunsFailsThatImport() throws {
        let fixture = try PipelineFixture()
        let sample = try #require(fixture.read(sampleFile("golden-petl.csv")))
        _ = try fixture.importPETL(fixture.upload("sample.csv", sample))

        // Job A is prepared (revision 2, from revision 1) and planned, but not loaded yet.
        let path = fixture.upload("slow.csv", sample)
        let (job, worker, spool) = try planOnly(fixture, importer: GoldenPETLImporter(), type: .priceList, path: path)
        // Job B starts from revision 1 too (A's revision is not published), and publishes 3.
        let other = try fixture.importPETL(fixture.upload("fast.csv", sample), mode: .replace)
        #expect(other.status == .succeeded)
        #expect(other.result?["revision"] == 3)

        while let chunk = try spool.claim(job: job, owner: .test(0)) { _ = worker.process(chunk) }
        let a = try #require(try JobLedger(connection: fixture.connection).snapshot(job))
        #expect(a.status == .failed)
        #expect(a.error?["code"] == "precondition")
        #expect(a.error?["message"] == "The Golden price list changed while this import ran (it started from revision 1; revision 3 is the latest now); nothing was published: import the file again")
        #expect(try fixture.activeGolden().map { $0.prefix(2) } == ["3|"])
    }

    @Test func concurrentPreparesTakeDistinctRevisions() throws {
        let fixture = try PipelineFixture()
        let schema = fixture.schema
        let revisions = Mutex<[Int]>([])
        runOnThreads(count: 6) { _ in
            do {
                let connection = try TestDatabase.connect()
                try connection.setSearchPath(schema)
                let job = try JobLedger(connection: connection).createJob(
                    type: .priceList, target: "golden", path: "/x.csv", fileName: "x.csv", size: 1, createdBy: "test")
                let facts = try connection.transaction { connection in
                    try GoldenPETLImporter().prepare(connection, job: JobContext(jobId: job))
                }
                revisions.withLock { $0.append(facts["revision"]!.intValue!) }
            } catch {
                Issue.record("prepare failed: \(error)")
            }
        }
        #expect(revisions.withLock { $0.sorted() } == [1, 2, 3, 4, 5, 6])
        #expect(try fixture.count("SELECT count(*) FROM price_list WHERE is_active") == 0)
    }

    @Test func theUpdateLogIsWrittenForJobsOfACompany() throws {
        let fixture = try PipelineFixture()
        let sample = try #require(fixture.read(sampleFile("golden-petl.csv")))
        _ = try fixture.importPETL(fixture.upload("sample.csv", sample))
        #expect(try fixture.count("SELECT count(*) FROM golden_price_update_log") == 0)

        // Jobs of a company (the agent's routes will set it; here a trigger does).
        let company = try fixture.connection.query("INSERT INTO company (name) VALUES ('Acme') RETURNING id").first!.require(0, as: Int64.self)
        try fixture.connection.executeScript(
            """
            CREATE FUNCTION set_company() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.company_id := (SELECT id FROM company WHERE name = 'Acme'); RETURN NEW; END $$;
            CREATE TRIGGER set_company BEFORE INSERT ON import_job FOR EACH ROW EXECUTE FUNCTION set_company();
            """)
        let job = try fixture.importPETL(fixture.upload("again.csv", sample), mode: .replace)
        #expect(job.status == .succeeded)
        let log = try fixture.connection.query(
            """
            SELECT company_id, price_list_id, import_job_id, changed_by, updated_count, avg_delta::text, avg_percent_delta::text,
                   source, project_id IS NULL AND estimate_version_id IS NULL
            FROM golden_price_update_log
            """)
        #expect(log.count == 1)
        let row = try #require(log.first)
        #expect(try row.require(0, as: Int64.self) == company)
        #expect(try row.require(1, as: Int.self) == job.result?["priceListId"]?.intValue)
        #expect(try row.require(2, as: Int64.self) == job.id)
        #expect(row[3] == "test" && row[4] == "5" && row[5] == "0" && row[6] == "0" && row[7] == "GOLDEN_PETL" && row[8] == "t")
    }

    @Test func aComponentsImportStaysWithTheRevisionItWasPlannedFor() throws {
        let fixture = try PipelineFixture()
        let sample = try #require(fixture.read(sampleFile("golden-petl.csv")))
        let components = try #require(fixture.read(sampleFile("golden-components-xactimate.csv")))
        let first = try fixture.importPETL(fixture.upload("sample.csv", sample))
        let firstList = try #require(first.result?["priceListId"]?.intValue)
        #expect(try fixture.runImport(fixture.upload("c1.csv", components)).status == .succeeded)
        #expect(try fixture.currentComponents().count == 4)

        // A components job binds to revision 1 when it plans …
        let (job, worker, spool) = try planOnly(
            fixture, importer: GoldenComponentsImporter(), type: .priceListComponents, path: fixture.upload("c2.csv", components))
        // … then a PETL import publishes revision 2, which has no components yet.
        let second = try fixture.importPETL(fixture.upload("replace.csv", sample), mode: .replace)
        #expect(second.status == .succeeded)
        #expect(try fixture.currentComponents().isEmpty)

        // The components job still loads and publishes its set, for revision 1.
        while let chunk = try spool.claim(job: job, owner: .test(0)) { _ = worker.process(chunk) }
        let loaded = try #require(try JobLedger(connection: fixture.connection).snapshot(job))
        #expect(loaded.status == .succeeded)
        #expect(loaded.result?["priceListId"]?.intValue == firstList)
        #expect(try fixture.count(
            "SELECT count(*) FROM price_list_component_set WHERE import_job_id = $1 AND is_active AND price_list_id = $2",
            job, firstList) == 1)
        #expect(try fixture.currentComponents().isEmpty)

        // The next components import binds to revision 2 (the same content again: forced).
        #expect(try fixture.runImport(fixture.upload("c3.csv", components), force: true).status == .succeeded)
        #expect(try fixture.currentComponents().count == 4)
        #expect(try fixture.count(
            """
            SELECT count(*) FROM price_list_component_current c JOIN price_list_item i ON i.id = c.price_list_item_id
            WHERE i.price_list_id = $1
            """, second.result?["priceListId"]?.intValue) == 4)
    }

    /// Creates and plans a job of `importer` without loading it; returns the job, a worker
    /// and the spool to load it with later.
    private func planOnly<I: Importer>(
        _ fixture: PipelineFixture, importer: I, type: ImportType, path: String
    ) throws -> (Int64, ChunkWorker<I>, Spool) {
        let settings = fixture.settings
        let spool = Spool(root: settings.spoolDirectory)
        try spool.create()
        let ledger = JobLedger(connection: fixture.connection)
        let size = Int64(fixture.read(path)!.utf8.count)
        let job = try ledger.createJob(type: type, target: importer.target, path: path, fileName: "planned.csv", size: size, createdBy: "test")
        let planner = Planner(
            importer: importer, options: ImportOptions(), settings: settings, spool: spool, connection: fixture.connection)
        _ = try planner.planUpload(job: job, path: path)
        let worker = ChunkWorker(
            importer: importer, settings: settings, spool: spool,
            connection: WorkerConnection(conninfo: TestDatabase.url!, schema: fixture.schema))
        return (job, worker, spool)
    }
}
