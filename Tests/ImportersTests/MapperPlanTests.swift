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
    /// most rows were accepted, some skipped or rejected.
    static func expectGoldenComponentsAnswersAsMapped(_ csv: String) throws {
        let answers = try planBothWays(csv) { try GoldenComponentsMapper(header: $0) }
        #expect(answers.count == 5_000)
        for (index, answer) in answers.enumerated() {
            #expect(answer.fast == answer.mapped, "row \(index + 2)")
        }
        #expect(answers.filter { $0.fast.hasPrefix("accept") }.count > 500)
        #expect(answers.contains { $0.fast.hasPrefix("reject") })
        #expect(answers.contains { $0.fast.hasPrefix("skip") })
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
    /// lower-case, non-ASCII and quoted codes beside clean ones.
    @Test func goldenComponentsXactimateLayoutAnswersAsMappingDoes() throws {
        let codes = ["DRY1/2", "dry1/2", "WTRDHM", " WTREQ", "ABC", "AB", "", "DRY 1/2", "DRY  12", "ÉLE12", "\"Q,\"\"X\"\"Y\"", "PNT\tX", "RFG>1"]
        let numbers = ["", "1", "-2.50", "1,000", "$3", "abc", "1e3", "12.5*"]
        try Self.expectGoldenComponentsAnswersAsMapped(Self.randomCSV(
            header: "Code,Description,Tax Status,Contractor Supplied,Quantity,Unit,Unit Price,Total,Request third-party pricing",
            seed: 0x2545_F491_4F6C_DD1D
        ) { pick in
            [pick(codes), "desc", "Taxable", "Yes", pick(numbers), "EA", pick(numbers), pick(numbers), ""]
        })
    }
}
