import Foundation
import Importers
import IngestCore
import Testing

/// The partition key hashes the planner gets from `make`'s mapper for the accepted rows of `csv`.
func plannedKeyHashes<M: RowMapper>(_ csv: String, _ make: ([String]) throws -> M) throws -> [UInt64] {
    let scanner = CSVScanner(source: MemoryByteSource(csv))
    var mapper: M?
    var hashes: [UInt64] = []
    try scanner.forEachRecord { record in
        guard let mapper else {
            mapper = try make(record.strings())
            return
        }
        var hasher = FNV1a64()
        if case .accept = mapper.plan(record, firstField: 0, into: &hasher) { hashes.append(hasher.value) }
    }
    return hashes
}

/// Every importer's partition key, as real files make it, spreads evenly over 2 to 16
/// partitions: a skewed spread leaves workers idle (a real Xactimate-layout components file
/// planned into one chunk of two).
@Suite("Partition spread")
struct PartitionSpreadTests {
    static let cats = ["DRY", "WTR", "PNT", "FRM", "RFG", "ELE", "PLM", "CLN", "DMO", "FCC", "INS", "HVC"]

    /// Distinct buckets `cat` + `S<n>`, as in real exports.
    static func buckets(_ count: Int) -> [(cat: String, sel: String)] {
        (0..<count).map { (cats[$0 % cats.count], "S\($0 / cats.count)") }
    }

    /// The legacy components layout: one key per (CAT, SEL, component code).
    static func legacyComponents() throws -> [UInt64] {
        var csv = "Cat,Sel,Activity,Desc,Component Code,Qty,Material,Labor,Equipment\n"
        for (index, bucket) in buckets(6_000).enumerated() {
            csv += "\(bucket.cat),\(bucket.sel),+,d,LAB\(index % 7),1,2.5,,\n"
        }
        return try plannedKeyHashes(csv) { try GoldenComponentsMapper(header: $0) }
    }

    /// The Xactimate components layout: `Code` is CAT + SEL, and also the component code, so
    /// the key `CAT␟SEL␟CATSEL` holds every byte of CAT and SEL twice.
    static func xactimateComponents() throws -> [UInt64] {
        var csv = "Code,Description,Quantity,Unit,Unit Price,Total\n"
        for bucket in buckets(6_000) { csv += "\(bucket.cat)\(bucket.sel),Board,1,EA,2.50,2.50\n" }
        return try plannedKeyHashes(csv) { try GoldenComponentsMapper(header: $0) }
    }

    /// Golden PETL: the canonical key hash of (CAT, SEL, Activity, Desc).
    static func petl() throws -> [UInt64] {
        let lines = GoldenPETLMapperTests.sample.split(separator: "\n").map(String.init)
        var csv = lines[0] + "\n"
        for (index, bucket) in buckets(6_000).enumerated() {
            var fields = lines[1].replacingOccurrences(of: "\"Drywall - 1/2\"\" hung, taped, floated, ready for paint\"", with: "Item \(index)")
                .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[29] = bucket.cat
            fields[30] = bucket.sel
            csv += fields.joined(separator: ",") + "\n"
        }
        return try plannedKeyHashes(csv) { try GoldenPETLMapper(header: $0) }
    }

    @Test(arguments: ["legacy components", "Xactimate components", "Golden PETL"])
    func keysSpreadEvenlyOver2To16Partitions(shape: String) throws {
        let hashes = try shape == "legacy components" ? Self.legacyComponents()
            : shape == "Xactimate components" ? Self.xactimateComponents() : Self.petl()
        #expect(hashes.count == 6_000)
        for partitions in 2...16 {
            var counts = [Int](repeating: 0, count: partitions)
            for hash in hashes { counts[PartitionFunction.current.partition(hash, count: partitions)] += 1 }
            let even = Double(hashes.count) / Double(partitions)
            // 6,000 keys: a fair partition is within about 4 standard deviations of even.
            let tolerance = 4 * even.squareRoot() + 1
            #expect(counts.allSatisfy { abs(Double($0) - even) <= tolerance }, "\(shape), \(partitions) partitions: \(counts)")
        }
    }

    @Test func theFirstFunctionPutEveryXactimateKeyInOneOfTwoPartitions() throws {
        let counts = try Self.xactimateComponents().reduce(into: [0, 0]) { $0[PartitionFunction.fnvModulo.partition($1, count: 2)] += 1 }
        #expect(counts.contains(0))
    }

    @Test func partitionsAreInRangeAndStable() {
        var state: UInt64 = 1
        for _ in 0..<10_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            for function in PartitionFunction.allCases {
                let count = Int(state >> 58) + 1
                let partition = function.partition(state, count: count)
                #expect(partition >= 0 && partition < count)
                #expect(partition == function.partition(state, count: count))
            }
        }
        // Fixed values: a plan and its retry, on any host and any build, agree.
        #expect(PartitionFunction.fnvMixed.partition(0x0123_4567_89AB_CDEF, count: 1_000) == 530)
        #expect(PartitionFunction.fnvModulo.partition(0x0123_4567_89AB_CDEF, count: 1_000) == 0x0123_4567_89AB_CDEF % 1_000)
    }
}
