import Importers
import IngestCore
import Testing

/// A mapper's planner answer (verdict and partition key) for every data row of `csv`, once
/// from ``RowMapper/plan(_:firstField:into:)`` and once by mapping.
func planBothWays<M: RowMapper>(_ csv: String, _ make: ([String]) throws -> M) throws -> [(fast: String, mapped: String)] {
    let scanner = CSVScanner(source: MemoryByteSource(csv))
    var mapper: M?
    var answers: [(fast: String, mapped: String)] = []
    func describe(_ result: RowResult<Void>, _ hasher: FNV1a64) -> String {
        switch result {
        case .accept: "accept \(hasher.value)"
        case .skip(let reason): "skip \(reason)"
        case .reject(let reason): "reject \(reason)"
        }
    }
    try scanner.forEachRecord { record in
        guard let mapper else {
            mapper = try make(record.strings())
            return
        }
        var fast = FNV1a64()
        var mapped = FNV1a64()
        let fastResult = mapper.plan(record, firstField: 0, into: &fast)
        let mappedResult = mapper.planByMapping(record, firstField: 0, into: &mapped)
        answers.append((describe(fastResult, fast), describe(mappedResult, mapped)))
    }
    return answers
}

@Suite("Planner answers from bytes")
struct MapperPlanTests {
    /// `header` and 5,000 rows whose cells `row` picks at random (a fixed-seed LCG).
    static func randomCSV(header: String, seed: UInt64, row: (_ pick: ([String]) -> String) -> [String]) -> String {
        var state = seed
        func pick(_ values: [String]) -> String {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return values[Int(state >> 33) % values.count]
        }
        var csv = header + "\n"
        for _ in 0..<5_000 { csv += row(pick).joined(separator: ",") + "\n" }
        return csv
    }

    /// Every row of `csv` gets the same answer from the bytes as by mapping, and both paths ran:
    /// most rows were accepted, some rejected (and, where `skips`, some skipped).
    static func expectAnswersAsMapped<M: RowMapper>(_ csv: String, skips: Bool = true, _ make: ([String]) throws -> M) throws {
        let answers = try planBothWays(csv, make)
        #expect(answers.count == 5_000)
        for (index, answer) in answers.enumerated() {
            #expect(answer.fast == answer.mapped, "row \(index + 2)")
        }
        #expect(answers.filter { $0.fast.hasPrefix("accept") }.count > 500)
        #expect(answers.contains { $0.fast.hasPrefix("reject") })
        #expect(answers.contains { $0.fast.hasPrefix("skip") } == skips)
    }

    static func expectGoldenComponentsAnswersAsMapped(_ csv: String) throws {
        try expectAnswersAsMapped(csv) { try GoldenComponentsMapper(header: $0) }
    }

    /// Random legacy-layout rows mixing clean cells with the ones the byte path must leave to
    /// the mapper (spaces, lower case, tabs, non-ASCII, quotes, empty cells, numbers with
    /// `$`, `,`, exponents, words).
    @Test func goldenComponentsAnswersAsMappingDoes() throws {
        let keys = ["DRY", "dry", " DRY", "DRY ", "D  RY", "D RY", "", "Wtr", "É", "\"Q,\"\"X\"\"\"", "\"a\tb\"", "RFG>"]
        let numbers = ["", "1", "-2.50", "0.5", "1,000", "$3", "abc", " 4", "1e3", ".", "7.", "-", "(5)"]
        let codes = ["C1", "", " c2 ", "\"x\ty\"", "LAB-1", "é", "A B"]
        try Self.expectGoldenComponentsAnswersAsMapped(Self.randomCSV(
            header: "Cat,Sel,Activity,Desc,Component Code,Qty,Material,Labor,Equipment", seed: 0x5DEE_CE66_D1CE_4E5B
        ) { pick in
            [pick(keys), pick(keys), pick(keys), "desc", pick(codes), pick(numbers), pick(numbers), pick(numbers), pick(numbers)]
        })
    }

    /// The Xactimate layout (`Code` gives the bucket and the component): short, padded,
    /// lower-case, non-ASCII and quoted codes beside clean ones, and codes with a space where
    /// they are split (their third or fourth byte).
    @Test func goldenComponentsXactimateLayoutAnswersAsMappingDoes() throws {
        let codes = ["DRY1/2", "dry1/2", "WTRDHM", " WTREQ", "ABC", "AB", "", "DRY 1/2", "DR Y12", "DRY  12", "ÉLE12", "\"Q,\"\"X\"\"Y\"", "PNT\tX", "RFG>1"]
        let numbers = ["", "1", "-2.50", "1,000", "$3", "abc", "1e3", "12.5*"]
        try Self.expectGoldenComponentsAnswersAsMapped(Self.randomCSV(
            header: "Code,Description,Tax Status,Contractor Supplied,Quantity,Unit,Unit Price,Total,Request third-party pricing",
            seed: 0x2545_F491_4F6C_DD1D
        ) { pick in
            [pick(codes), "desc", "Taxable", "Yes", pick(numbers), "EA", pick(numbers), pick(numbers), ""]
        })
    }

    /// Golden PETL rows (the Xactimate price-list export): clean keys beside padded, lower-case,
    /// non-ASCII and quoted ones; prices with `$` and `,` beside words and parentheses; dates in
    /// every shape, some not calendar days; activities as codes and words; NULs.
    @Test func goldenPETLAnswersAsMappingDoes() throws {
        let keys = ["DRY", "dry", " DRY", "D  RY", "D RY", "", "É", "\"Q,\"\"X\"\"\"", "\"a\tb\"", "1/2\"\" x", "A\u{0}B"]
        let prices = ["", "97.59", "$97.59", "$1,234.50", "-3", "$-3", "-$3", "$", "(5)", "abc", " 4", "1e3", "5.", ".5", "1,000"]
        let dates = ["", "1/1/2025", "2/2/24", "2/30/24", "13/1/2025", "1/1/202", "2025-01-02", "2025-1-2", "2025-02-30",
                     "2025-13-01", "202-01-01", "2025/01/02", "1-1-2025", " 1/1/2025", "x", "1//2025", "-"]
        let activities = [
            "", "+", "-", "Replace", "REMOVE", "r", "Remove  and Replace", " Replace", "Other", "ÉLE", "remove & replace", "R&R",
            "d&r", "Install New", "labor", "x", "Material Only", "REMOVE AND REPLACE X",
        ]
        let header = "Cat,Sel,Activity,Desc,Unit Cost,Unit,Group Code,Owner,Date,Delete"
        try Self.expectAnswersAsMapped(Self.randomCSV(header: header, seed: 0x9E37_79B9_7F4A_7C15) { pick in
            [pick(keys), pick(keys), pick(activities), pick(keys), pick(prices), "EA", pick(["", "G1", "\"x\u{0}\""]), "NEXADMIN",
             pick(dates), pick(["", "Yes"])]
        }, skips: false) { try GoldenPETLMapper(header: $0) }
    }

    /// An older export without Activity or Date: the key's activity part is empty.
    @Test func goldenPETLWithoutActivityAnswersAsMappingDoes() throws {
        let keys = ["DRY", "dry", "D  RY", "", "É", "S 1"]
        try Self.expectAnswersAsMapped(Self.randomCSV(header: "Cat,Sel,Desc,Unit Cost", seed: 0xBF58_476D_1CE4_E5B9) { pick in
            [pick(keys), pick(keys), pick(keys), pick(["", "1.50", "$2", "x"])]
        }, skips: false) { try GoldenPETLMapper(header: $0) }
    }

    /// XACT raw rows: rooms empty, padded or not ASCII; numbers with `$`, `,`, words and
    /// parentheses; a Life that is whole, fractional, signed or too long; dates in every shape;
    /// NULs.
    @Test func xactRawAnswersAsMappingDoes() throws {
        let rooms = ["Kitchen", "Bath 1", "", " ", " Kitchen", "\tRoom", "É", "\"A,B\"", "K\u{0}"]
        let numbers = ["", "1", "-2.50", "$97.59", "1,234.50", "abc", " 4", "(5)", "1e3", "5.", "$"]
        let lives = ["", "150", "150.00", "15.5", "-3", "1234567890", "123456789", "abc", "150.", "0", "1e2"]
        let dates = ["", "1/1/2025", "2/30/24", "2025-01-02", "2025-13-01", "x", " 1/1/2025"]
        let header = "#,Group Code,Group Description,Desc,Qty,Unit Cost,RCV,Life,Labor Minimum,Recoverable,Cat,Sel,Activity,Date"
        try Self.expectAnswersAsMapped(Self.randomCSV(header: header, seed: 0x94D0_49BB_1331_11EB) { pick in
            ["1", pick(["", "1", "Unit 1"]), pick(rooms), pick(["Drywall", "", "A\u{0}"]), pick(numbers), pick(numbers),
             pick(numbers), pick(lives), pick(["", "DRYMN-A", "abc"]), pick(["", "Yes", "No", "x"]), "DRY", "1/2",
             pick(["", "+", "Replace"]), pick(dates)]
        }, skips: false) { try XactRawMapper(header: $0) }
    }

    /// XACT raw rows with a column for every field the mapper reads, each cell drawn from one
    /// pool of mostly good values and a few bad ones: the byte path judges every column as
    /// mapping does (a number column it did not check would accept a row mapping rejects).
    @Test func xactRawWithEveryFieldAnswersAsMappingDoes() throws {
        let fields = XactRawColumns.Field.allCases
        // Good in every column (a whole number is text, a number, a Life and no date shape);
        // one cell in 28 from `bad`, which each some column rejects or the byte path leaves to
        // the mapper.
        let good = Array(repeating: ["", "1", "150.00", "0", "12", "-2", "100", "7", "3"], count: 3).flatMap { $0 }
        let bad = ["abc", "(5)", "2/30/24", "15.5", "$97.59", "1,234.50", "K\u{0}", " 4", "1e3", "13/1/2025", "Yes", "1/1/2025",
                   "2025-01-02", "x y"]
        let header = fields.map { $0.aliases[0] }.joined(separator: ",")
        try Self.expectAnswersAsMapped(Self.randomCSV(header: header, seed: 0x2127_599B_F432_5C37) { pick in
            fields.map { field in
                if field == .groupDescription { return pick(["Kitchen", "Bath", "", " Den"]) }
                let cell = pick(good + [pick(bad)])
                return cell.contains(",") ? "\"\(cell)\"" : cell
            }
        }, skips: false) { try XactRawMapper(header: $0) }
    }

    /// XACT components rows: quantities (commas only stripped) and money (`$`, `,`, spaces and
    /// `*` stripped) in every shape; NULs.
    @Test func xactComponentsAnswersAsMappingDoes() throws {
        let quantities = ["", "1", "1,000", "$5", "1.5", "abc", " 2", "(3)", "-1", "1e3"]
        let money = ["", "$97.59", "97.59*", "\"$ 1,234.50 *\"", "(5)", "abc", "1e3", "-$3", "*", "5."]
        let header = "Code,Description,Tax Status,Contractor Supplied,Quantity,Unit,Unit Price,Total,Request third-party pricing"
        try Self.expectAnswersAsMapped(Self.randomCSV(header: header, seed: 0xD6E8_FEB8_6659_FD93) { pick in
            [pick(["DRY1/2", "", "A\u{0}"]), "desc", "Taxable", pick(["Yes", "No", ""]), pick(quantities), "EA", pick(money),
             pick(money), ""]
        }, skips: false) { try XactComponentsMapper(header: $0) }
    }
}
