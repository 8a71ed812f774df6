import Importers
import IngestCore
import Testing

/// Maps every data row of `csv` with the mapper `make` builds from its header row.
func mapRows<M: RowMapper>(_ csv: String, _ make: ([String]) throws -> M) throws -> [RowResult<M.Record>] {
    let scanner = CSVScanner(source: MemoryByteSource(csv))
    var mapper: M?
    var results: [RowResult<M.Record>] = []
    try scanner.forEachRecord { record in
        if let mapper {
            results.append(mapper.map(record, firstField: 0))
        } else {
            mapper = try make(record.strings())
        }
    }
    return results
}

/// Maps every data row of `csv` (header first) with the Golden Components mapper.
func mapComponents(_ csv: String) throws -> [RowResult<GoldenComponentRecord>] {
    try mapRows(csv) { try GoldenComponentsMapper(header: $0) }
}

extension RowResult {
    var accepted: Record? {
        if case .accept(let record) = self { return record }
        return nil
    }
    var reason: String? {
        switch self {
        case .accept: nil
        case .skip(let reason), .reject(let reason): reason
        }
    }
    var isReject: Bool {
        if case .reject = self { return true }
        return false
    }
}

@Suite("Golden Components mapper")
struct GoldenComponentsMapperTests {
    static let xactimateHeader = "Code,Description,Tax Status,Contractor Supplied,Quantity,Unit,Unit Price,Total,Request third-party pricing\n"

    @Test func currentLayoutSplitsCodeThreePlusRest() throws {
        let rows = try mapComponents(Self.xactimateHeader + """
            DRY1/2,"Drywall board - 1/2"" regular, 4x8 sheet",Taxable,Yes,140.8,SF,0.36,50.69*,
            BHOE,Backhoe - rubber tired,Taxable,Yes,0.25,DA,526.172,131.54*,
            wtrdhm ,  Dehumidifier  -  Large ,Taxable,Yes,"1,003",DA,$80,240.00,

            """)
        #expect(rows[0].accepted == GoldenComponentRecord(
            cat: "DRY", sel: "1/2", componentCode: "DRY1/2", description: "Drywall board - 1/2\" regular, 4x8 sheet",
            quantity: "140.8", material: "0.36", labor: nil, equipment: nil))
        #expect(rows[1].accepted?.cat == "BHO")
        #expect(rows[1].accepted?.sel == "E")
        let third = try #require(rows[2].accepted)
        #expect(third.cat == "WTR" && third.sel == "DHM" && third.componentCode == "wtrdhm")
        #expect(third.description == "Dehumidifier - Large")
        #expect(third.quantity == "1003")
        #expect(third.material == "80")
    }

    @Test func legacyLayoutUsesCatAndSel() throws {
        let rows = try mapComponents("""
            Cat,Sel,Activity,Desc,Component Code,Qty,Material,Labor,Equipment
            dry,1/2,+,"Drywall - 1/2"" hung",DRY1/2,1.1,0.36,,
            WTR,DHM,+,Dehumidifier,WTRDHM,1,,,80.00
            ,,+,x,ABCDEF,1,,,

            """)
        #expect(rows[0].accepted == GoldenComponentRecord(
            cat: "DRY", sel: "1/2", componentCode: "DRY1/2", description: nil, quantity: "1.1", material: "0.36",
            labor: nil, equipment: nil))
        #expect(rows[1].accepted?.equipment == "80.00")
        // Empty Cat/Sel and no Code column to fall back on: skipped, like the legacy importer.
        #expect(rows[2].reason == "no Cat/Sel and no Code to take the bucket from")
        #expect(!rows[2].isReject)
    }

    @Test func emptyPresentComponentCodeBlocksTheAlternatives() throws {
        // `Component Code` is present but blank: `Code` is not tried (JavaScript `??`).
        let rows = try mapComponents("Component Code,Code,Qty\n,DRY1/2,1\n")
        #expect(rows[0].reason == "empty component code")
    }

    @Test func shortCodesAreSkipped() throws {
        let rows = try mapComponents(Self.xactimateHeader + "ABC,x,Taxable,Yes,1,EA,1,1,\n")
        #expect(rows[0].reason == "Code 'ABC' is shorter than 4 characters")
    }

    @Test func materialFallsBackOnUnparseableValues() throws {
        let rows = try mapComponents("Code,Material,Unit Price,Total\nDRY1/2,,abc,\"12,240.33\"\nDRY1/2,,,12.5*\n")
        #expect(rows[0].accepted?.material == "12240.33")
        #expect(rows[1].accepted?.material == nil)
    }

    @Test func unparseableQuantityIsRejectedWithTheColumnName() throws {
        let rows = try mapComponents(Self.xactimateHeader + "DRY1/2,x,Taxable,Yes,0x10,SF,0.36,1,\n")
        #expect(rows[0].isReject)
        #expect(rows[0].reason == "column 'Quantity': '0x10' is not a number")
    }

    @Test func missingColumnsNameTheHeadersFound() {
        let error = #expect(throws: ImportFailure.self) { try GoldenComponentsMapper(header: ["Cat", "Sel", "Qty"]) }
        #expect(error?.code == .missingColumn)
        #expect(error?.message == "required column 'Component Code' (or 'Code', 'Component', 'Component code') is missing; the header has: 'Cat', 'Sel', 'Qty'")
        let noBucket = #expect(throws: ImportFailure.self) { try GoldenComponentsMapper(header: ["Component Code", "Sel"]) }
        #expect(noBucket?.message.hasPrefix("required column 'Cat' and 'Sel' (or 'Code') is missing") == true)
    }

    @Test func partitionKeyIsStableAndIgnoresNumbers() throws {
        let mapper = try GoldenComponentsMapper(header: ["Code", "Quantity"])
        let a = GoldenComponentRecord(cat: "DRY", sel: "1/2", componentCode: "DRY1/2", description: nil, quantity: "1", material: nil, labor: nil, equipment: nil)
        var b = a
        b.quantity = "2"
        var ha = FNV1a64()
        var hb = FNV1a64()
        mapper.partitionKey(of: a, into: &ha)
        mapper.partitionKey(of: b, into: &hb)
        #expect(ha.value == hb.value)
        // Fixed vector: FNV-1a 64 of "DRY\u{1F}1/2\u{1F}DRY1/2"; changing it re-partitions every plan.
        #expect(ha.value == 0x70f0_e2cc_df5b_7861)
    }
}
