@testable import Importers
import IngestCore
import Testing

@Suite struct UnitGroupingTests {
    @Test(arguments: [
        ("UNIT_01_KIT", "UNIT_01", "Unit 01"), ("UINT_1_ENTR2", "UINT_01", "Unit 01"), ("unit 10 bath", "UNIT_10", "Unit 10"),
        ("UNIT_105", "UNIT_105", "Unit 105"), ("Unit-007x", "UNIT_07", "Unit 07"), ("GENERAL_COND", "GENERAL", "GENERAL"),
        ("DEF_163_ROOF", "DEF_163", "DEF_163"), ("UNIT_0", "UNIT_0", "Unit 0"), ("UNITED", "UNITED", "UNITED"),
        ("  Bldg\tA\r\n ", "BLDGA", "BLDGA"),
    ])
    func groupingCodesAndLabels(raw: String, code: String, label: String) {
        #expect(UnitGrouping.groupingCode(raw) == code)
        #expect(UnitGrouping.label(groupingCode: code) == label)
    }

    @Test func noGroupCodeIsTheNoUnit() {
        #expect(UnitGrouping.groupingCode(" \t ") == nil)
        #expect(UnitGrouping.label(groupingCode: nil) == "(No unit)")
        #expect(UnitGrouping.externalCode(groupingCode: nil) == "__no_group_code__")
        #expect(UnitGrouping.legacyLabel(of: "Unit 01") == "Unit 1")
        #expect(UnitGrouping.legacyLabel(of: "Unit 10") == nil)
    }

    @Test func keyTextKeepsInnerWhitespace() {
        #expect(TextCleaning.keyText("  Unit 1 -\tKitchen\r\n  Area ") == "Unit 1 -Kitchen   Area")
    }
}

@Suite struct UnitReconcilerTests {
    typealias Unit = UnitReconciler.Unit

    @Test func reusesByCodeThenByLabelOrLegacyLabelAndCreatesTheRest() {
        let existing = [
            Unit(id: 1, externalCode: "UNIT_01", label: "Kitchen wing"),
            Unit(id: 2, externalCode: nil, label: "Unit 2"),
            Unit(id: 3, externalCode: nil, label: "GENERAL"),
        ]
        let plan = UnitReconciler.plan(existing: existing, codes: [
            "UNIT_01": "Unit 01", "UNIT_02": "Unit 02", "GENERAL": "GENERAL", "UNIT_03": "Unit 03", "UINT_03": "Unit 03",
        ])
        #expect(plan.targets == [
            "UNIT_01": .existing(1), "UNIT_02": .existing(2), "GENERAL": .existing(3), "UINT_03": .created(0),
            "UNIT_03": .created(0),
        ])
        #expect(plan.creates.map { "\($0.externalCode)|\($0.label)" } == ["UINT_03|Unit 03"])
        #expect(plan.updates.map { "\($0.id)|\($0.label ?? "-")|\($0.externalCode ?? "-")" } == [
            "3|-|GENERAL", "1|Unit 01|-", "2|Unit 02|UNIT_02",
        ])
        #expect(plan.skippedDuplicatePlannedUnitLabel == 1)
    }

    @Test func aLabelTakenByAnotherUnitIsNotStolen() {
        let plan = UnitReconciler.plan(
            existing: [Unit(id: 1, externalCode: "UNIT_01", label: "Old"), Unit(id: 2, externalCode: "X", label: "Unit 01")],
            codes: ["UNIT_01": "Unit 01"])
        #expect(plan.targets == ["UNIT_01": .existing(1)])
        #expect(plan.updates.isEmpty)
        #expect(plan.creates.isEmpty)
    }
}

@Suite struct XactRawMapperTests {
    func map(_ csv: String) throws -> [RowResult<XactRawRecord>] {
        try mapRows(csv) { try XactRawMapper(header: $0) }
    }

    static let header =
        "#,Group Code,Group Description,Desc,Age,Condition,Qty,Item Amount,Reported Cost,Unit Cost,Unit,Coverage,Activity,"
        + "Worker's Wage,Labor burden,Labor Overhead,Material,Equipment,Market Conditions,Labor Minimum,Sales Tax,RCV,Life,"
        + "Depreciation Type,Depreciation Amount,Recoverable,ACV,Tax,Replace,Cat,Sel,Owner,Original Vendor,Source Name,Date,"
        + "Note 1,ADJ_SOURCE\n"

    @Test func theSpecsFirstRow() throws {
        let row = "1,UNIT_01_KIT,Unit 1 - Kitchen,\"Drywall - 1/2\"\" hung, taped, floated, ready for paint\",0.00,Average,128.00,"
            + "313.60,0.00,2.45,SF,Dwelling,Replace,0.98,0.41,0.52,0.54,0.00,0.00,DRYMN-A,4.42,$318.02,150,Percent,0.00,Yes,"
            + "$318.02,Yes,No,DRY,1/2,JSMITH,,Price List Item,3/14/25,,\n"
        let record = try #require(try map(Self.header + row).first?.accepted)
        #expect(record.lineNo == 1)
        #expect(record[.groupCode] == "UNIT_01")
        #expect(record[.groupDescription] == "Unit 1 - Kitchen")
        #expect(record[.rcv] == "318.02")
        #expect(record[.salesTax] == "4.42")
        #expect(record[.life] == "150")
        #expect(record[.recoverable] == "t")
        #expect(record[.replaceFlag] == "f")
        #expect(record[.tax] == nil)
        #expect(record[.laborMinimum] == nil)
        #expect(record[.sourceDate] == "2025-03-14")
        #expect(record[.note1] == nil)
        #expect(record.canonicalKeyHash
            == CanonicalKey.hash(cat: "DRY", sel: "1/2", activity: "+", description: "Drywall - 1/2\" hung, taped, floated, ready for paint"))
        #expect(record.signatureHash == CanonicalKey.hexSHA256(
            "Unit 1 - Kitchen|Drywall - 1/2\" hung, taped, floated, ready for paint|128.00|313.60|2.45|SF|Replace|4.42|$318.02|$318.02|DRY|1/2"))
        // In jsonb's key order: the shortest name first.
        #expect(record.rawJSON.hasPrefix("{\"#\":\"1\","))
        #expect(record.rawJSON.contains("\"Group Code\":\"UNIT_01_KIT\","))
    }

    @Test func aliasesLookupKeysAndTheLineNumberColumn() throws {
        let csv = "\u{FEFF}Line No.,Unit Code,ROOM NAME,Item Description,QTY,Unit Price,U/M,category,selection,Amount\n"
            + "\"1,204\",unit 3,Hall,Paint walls,2,\"$1,000.50\",SF,pnt,p,5\n"
        let record = try #require(try map(csv).first?.accepted)
        #expect(record.lineNo == 1204)
        #expect(record[.groupCode] == "UNIT_03")
        #expect(record[.groupDescription] == "Hall")
        #expect(record[.desc] == "Paint walls")
        #expect(record[.unitCost] == "1000.50")
        #expect(record[.unit] == "SF")
        #expect(record[.cat] == "pnt")
        #expect(record[.itemAmount] == "5")
    }

    @Test func raggedRowsAndBadCells() throws {
        let results = try map(
            Self.header
                + "2,U,Room,Short row\n"
                + "3,U,,No room,0\n"
                + "4,U,Room,Bad life,0,Average,1,1,0,1,EA,,,,,,,,,,,1,1.5\n"
                + "5,U,Room,Bad date,0,Average,1,1,0,1,EA,,,,,,,,,,,1,,,,,,,,,,,,,2/30/25\n"
                + "6,U,Room,(5.00) qty,0,Average,(5.00),1,0,1,EA\n")
        #expect(results[0].accepted?[.desc] == "Short row")
        #expect(results[0].accepted?[.qty] == nil)
        #expect(results[1].reason == "column 'Group Description' is empty: the line belongs to no room")
        #expect(results[2].reason == "column 'Life': '1.5' is not a whole number of years")
        #expect(results[3].reason == "column 'Date': '2/30/25' is not a calendar date")
        #expect(results[4].accepted?[.qty] == "-5.00")
    }

    @Test func aHeaderOfOneColumnOrWithoutARoomIsRefused() {
        #expect(throws: ImportFailure.self) { try XactRawMapper(header: ["#\tGroup Code\tDesc"]) }
        #expect(throws: ImportFailure.self) { try XactRawMapper(header: ["#", "Group Code", "Desc"]) }
    }

    @Test func noteOneIsCutAt5000UTF16Units() {
        let long = String(repeating: "a", count: 4999) + "😀b"
        #expect(XactRawMapper.prefix(long, utf16Units: 5000).utf16.count == 4999)
        #expect(XactRawMapper.prefix("short", utf16Units: 5000) == "short")
    }
}

@Suite struct XactComponentsMapperTests {
    @Test func theSpecsSampleRows() throws {
        let csv = "Code,Description,Tax Status,Contractor Supplied,Quantity,Unit,Unit Price,Total,Request third-party pricing\n"
            + "DRY1/2,\"Drywall board - 1/2\"\" regular, 4x8 sheet\",Taxable,Yes,140.8,SF,0.36,50.69*,\n"
            + "DMODUMP>,Dumpster,Taxable,Yes,1,LO,\"1,015.00\",\"$1,015.00 *\",No\n"
            + ",Blank code,,,\"1,500\",EA,,,\n"
            + "BAD,Dollar quantity,,,$5,EA,,,\n"
        let results = try mapRows(csv) { try XactComponentsMapper(header: $0) }
        #expect(results[0].accepted?.summary == ["DRY1/2", "Drywall board - 1/2\" regular, 4x8 sheet", "Taxable", "t", "140.8", "SF", "0.36", "50.69", nil])
        #expect(results[1].accepted?.summary[6] == "1015.00")
        #expect(results[1].accepted?.summary[7] == "1015.00")
        #expect(results[1].accepted?.summary[8] == "f")
        #expect(results[2].accepted?.summary[0] == "")
        #expect(results[2].accepted?.raw[0] == nil)
        #expect(results[2].accepted?.raw[3] == "")
        #expect(results[2].accepted?.summary[4] == "1500")
        #expect(results[3].reason == "column 'Quantity': '$5' is not a number")
    }
}
