import Importers
import IngestCore
import Testing

/// Maps every data row of `csv` (header first) with the Golden PETL mapper.
func mapPETL(_ csv: String) throws -> [RowResult<GoldenPETLRecord>] {
    try mapRows(csv) { try GoldenPETLMapper(header: $0) }
}

@Suite("Golden PETL mapper")
struct GoldenPETLMapperTests {
    /// The spec's §10.1 sample (Tests/Fixtures/golden-petl.csv).
    static let sample = """
        #,Group Code,Group Description,Desc,Age,Condition,Qty,Item Amount,Reported Cost,Unit Cost,Unit,Coverage,Activity,Worker's Wage,Labor burden,Labor Overhead,Material,Equipment,Market Conditions,Labor Minimum,Sales Tax,RCV,Life,Depreciation Type,Depreciation Amount,Recoverable,ACV,Tax,Replace,Cat,Sel,Owner,Original Vendor,Date,Delete
        1,,,"Drywall - 1/2"" hung, taped, floated, ready for paint",0.00,Average,1.00,2.45,0.00,2.45,SF,,Replace,0.98,0.41,0.52,0.54,0.00,0.00,DRYMN-A,0.04,2.49,150.00,Percent,0.00,Yes,2.49,Yes,No,DRY,1/2,NEXADMIN,,3/1/2025,
        2,,,"Drywall - 1/2"" hung, taped, floated, ready for paint",0.00,Average,1.00,0.52,0.00,0.52,SF,,Remove,0.27,0.11,0.14,0.00,0.00,0.00,DRYMN-A,0.00,0.52,150.00,Percent,0.00,Yes,0.52,Yes,No,DRY,1/2,NEXADMIN,,3/1/2025,
        3,,,Dehumidifier (per 24 hour period) - Large - No monitoring,0.00,Average,1.00,80.00,0.00,80.00,DA,,Replace,0.00,0.00,0.00,0.00,80.00,0.00,WTRMN-A,0.00,80.00,0.00,Age/Condition,0.00,Yes,80.00,Yes,No,WTR,DHM,NEXADMIN,,3/1/2025,
        4,,,"Equipment setup, take down, and monitoring (hourly charge)",0.00,Average,1.00,52.84,0.00,52.84,HR,,Replace,24.10,10.55,18.19,0.00,0.00,0.00,WTRMN-A,0.00,52.84,0.00,Age/Condition,0.00,Yes,52.84,Yes,No,WTR,EQ,NEXADMIN,,3/1/2025,
        5,,,"Dumpster load - Approx. 40 yards, 7-8 tons of debris",0.00,Average,1.00,"1,120.00",0.00,"$1,120.00",EA,,Replace,0.00,0.00,0.00,0.00,"1,120.00",0.00,None,0.00,"1,120.00",0.00,Age/Condition,0.00,Yes,"1,120.00",Yes,No,DMO,DUMP>>,NEXADMIN,,3/1/2025,Yes

        """

    @Test func sampleRows() throws {
        let rows = try mapPETL(Self.sample)
        #expect(rows.count == 5)
        let first = try #require(rows[0].accepted)
        let drywall = "Drywall - 1/2\" hung, taped, floated, ready for paint"
        let march = CalendarDate(year: 2025, month: 3, day: 1)
        #expect(first == GoldenPETLRecord(
            cat: "DRY", sel: "1/2", activity: "+", description: drywall, groupCode: nil, groupDescription: nil,
            unit: "SF", coverage: nil, owner: "NEXADMIN", sourceVendor: nil, unitPrice: "2.45", sourceDate: march,
            deleteMark: false, canonicalKeyHash: "9e6d43bc4cdab786c13b9f9c192bbbe7b8adb92e20aaeb4c1597af9a75b32ba0",
            rawJSON: first.rawJSON))
        #expect(rows[1].accepted?.activity == "-")
        #expect(rows[1].accepted?.unitPrice == "0.52")
        #expect(rows[1].accepted?.canonicalKeyHash != first.canonicalKeyHash)
        #expect(rows[2].accepted?.unit == "DA")
        let fifth = try #require(rows[4].accepted)
        #expect(fifth.unitPrice == "1120.00")
        #expect(fifth.deleteMark)
        #expect(fifth.sel == "DUMP>>")
        #expect(rows.prefix(4).allSatisfy { $0.accepted?.deleteMark == false })
    }

    @Test func rawJSONHoldsEveryHeaderWithItsRawCell() throws {
        let rows = try mapPETL(Self.sample)
        let raw = try #require(rows[4].accepted?.rawJSON)
        // In jsonb's key order (shorter names first, then byte order), which jsonb keeps anyway.
        #expect(raw.hasPrefix(##"{"#":"5","##))
        #expect(raw.contains(##""Desc":"Dumpster load - Approx. 40 yards, 7-8 tons of debris","##))
        #expect(raw.contains(#""Group Code":"","#))
        #expect(raw.contains(#""Unit Cost":"$1,120.00","#))
        #expect(raw.contains(#""Worker's Wage":"0.00""#))
        #expect(raw.contains(#""Date":"3/1/2025","#))
        #expect(raw.contains(#""Delete":"Yes","#))
        #expect(raw.contains(#""Group Description":"""#) && raw.hasSuffix("}"))
        let first = try #require(rows[0].accepted?.rawJSON)
        #expect(first.contains(#""Desc":"Drywall - 1/2\" hung, taped, floated, ready for paint""#))
    }

    @Test func rawJSONEscapesControlsAndKeepsCellsUncleaned() throws {
        let rows = try mapPETL("Cat,Sel,Activity,Desc,Unit Cost\n\" dry \",a\\b,\"x\ty\",\"two\r\nlines\",1\n")
        let record = try #require(rows[0].accepted)
        #expect(record.rawJSON == #"{"Cat":" dry ","Sel":"a\\b","Desc":"two\r\nlines","Activity":"x\ty","Unit Cost":"1"}"#)
        #expect(record.cat == "dry")
        #expect(record.activity == "xy")  // cleanText deletes the tab (quirk Q10)
        #expect(record.description == "two lines")
    }

    @Test func deleteColumnAlternatives() throws {
        for name in ["Delete", "delete", "DELETE"] {
            let rows = try mapPETL("Cat,Sel,Activity,Desc,Unit Cost,\(name)\nDRY,1/2,+,x,1,y\nDRY,1/2,+,x,1,no\n")
            #expect(rows[0].accepted?.deleteMark == true, "\(name)")
            #expect(rows[1].accepted?.deleteMark == false, "\(name)")
        }
        // `Delete` comes first even when its cell is empty (the legacy `??` chain).
        let both = try mapPETL("Cat,Sel,Activity,Desc,Unit Cost,Delete,DELETE\nDRY,1/2,+,x,1,,Yes\n")
        #expect(both[0].accepted?.deleteMark == false)
        // Other spellings are ordinary columns.
        let other = try mapPETL("Cat,Sel,Activity,Desc,Unit Cost,Deleted\nDRY,1/2,+,x,1,Yes\n")
        #expect(other[0].accepted?.deleteMark == false)
    }

    @Test func badNumbersAndDatesAreRejectedNamingTheColumn() throws {
        let rows = try mapPETL("""
            Cat,Sel,Activity,Desc,Unit Cost,Date
            DRY,1/2,+,x,12.5*,3/1/25
            DRY,1/2,+,x,(5.00),2/30/25
            DRY,1/2,+,x,,N/A
            DRY,1/2,+,x,  $3 ,6/19/25

            """)
        #expect(rows[0].isReject)
        #expect(rows[0].reason == "column 'Unit Cost': '12.5*' is not a number")
        #expect(rows[1].reason == "column 'Date': '2/30/25' is not a calendar date")
        let third = try #require(rows[2].accepted)
        #expect(third.unitPrice == nil)
        #expect(third.sourceDate == nil)
        #expect(rows[3].accepted?.unitPrice == "3")
        #expect(rows[3].accepted?.sourceDate == CalendarDate(year: 2025, month: 6, day: 19))
    }

    @Test func aNulCharacterIsRejected() throws {
        let rows = try mapPETL("Cat,Sel,Activity,Desc,Unit Cost\nDRY,1/2,+,a\u{0}b,1\n")
        #expect(rows[0].reason == "column 'Desc' contains a NUL character, which PostgreSQL cannot store")
    }

    @Test func missingColumnsNameTheColumnAndTheHeader() {
        #expect(throws: ImportFailure.self) { try GoldenPETLMapper(header: ["Cat", "Sel", "Activity", "Desc"]) }
        do {
            _ = try GoldenPETLMapper(header: ["cat", "Sel", "Activity", "Desc", "Unit Cost"])
            Issue.record("a lower-case 'cat' must not count")
        } catch {
            #expect(error.code == .missingColumn)
            #expect(error.message == "required column 'Cat' is missing; the header has: 'cat', 'Sel', 'Activity', 'Desc', 'Unit Cost'")
        }
    }

    @Test func theHashUsesTheStoredActivityAndTheDescriptionAsCleaned() throws {
        let rows = try mapPETL("""
            Cat,Sel,Activity,Desc,Unit Cost
            DRY,1/2,Replace,"Drywall - 1/2"" hung, taped, floated, ready for paint",1
            dry , 1/2 ,+,"drywall  -  1/2"" HUNG, taped, floated, ready for paint ",2
            DRY,1/2,Paint,Drywall,3
            DRY,1/2,PAINT,drywall,4

            """)
        let hashes = rows.map { $0.accepted?.canonicalKeyHash }
        #expect(hashes[0] == "9e6d43bc4cdab786c13b9f9c192bbbe7b8adb92e20aaeb4c1597af9a75b32ba0")
        #expect(hashes[1] == hashes[0])
        // Unmapped words are stored as written, but the hash upper-cases them.
        #expect(rows[2].accepted?.activity == "Paint")
        #expect(hashes[2] == hashes[3])
    }

    @Test func thePartitionKeyIsTheHash() throws {
        let rows = try mapPETL("Cat,Sel,Activity,Desc,Unit Cost\nDRY,1/2,Replace,x,1\ndry,1/2,+,X,2\nDRY,1/2,-,x,1\n")
        let mapper = try GoldenPETLMapper(header: ["Cat", "Sel", "Activity", "Desc", "Unit Cost"])
        let keys = rows.map { row -> UInt64 in
            var hasher = FNV1a64()
            mapper.partitionKey(of: row.accepted!, into: &hasher)
            return hasher.value
        }
        #expect(keys[0] == keys[1])
        #expect(keys[0] != keys[2])
    }
}
