@testable import Importers
import IngestCore
import Testing

/// ``ChunkWinners``: the rows of a Golden PETL chunk that its encoder writes, against the rule
/// the chunk statement used to apply in SQL (spec §4.3): per key, the last row by line that a
/// merge's Delete mark does not take out; a tombstone for a key whose every row is marked.
@Suite("Golden PETL chunk winners")
struct ChunkWinnersTests {
    static func key(_ text: String) -> ChunkWinners.Key {
        ChunkWinners.Key(hex: CanonicalKey.hexSHA256(text))!
    }

    @Test func aKeyIsTheStartOfItsDigest() {
        let text = "DRY||1/2||+||DRYWALL"
        let hex = CanonicalKey.hexSHA256(text)
        let fromDigest = Array(text.utf8).withUnsafeBytes { bytes in
            SHA256.withDigest(of: bytes) { ChunkWinners.Key(digest: $0) }
        }
        #expect(ChunkWinners.Key(hex: hex) == fromDigest)
        #expect(ChunkWinners.Key(hex: String(hex.dropLast())) == nil)
        #expect(ChunkWinners.Key(hex: hex.uppercased()) == nil)
        #expect(ChunkWinners.Key(hex: String(hex.dropLast()) + "g") == nil)
        #expect(Self.key("a") != Self.key("b"))
    }

    /// Random rows over a few keys, some Delete-marked, against the rule written plainly.
    @Test(arguments: [false, true])
    func winnersTombstonesAndCountsFollowTheRule(merge: Bool) {
        var state: UInt64 = merge ? 0x2545_F491_4F6C_DD1D : 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        let names = (0..<40).map { "KEY \($0)" }
        var winners = ChunkWinners()
        var rows: [(name: String, deleted: Bool)] = []
        for _ in 0..<2_000 {
            let name = names[next(names.count)]
            // Every row of the keys ending in 7 is marked: they leave tombstones.
            let row = (name: name, deleted: merge && (next(4) == 0 || name.hasSuffix("7")))
            rows.append(row)
            winners.note(Self.key(row.name), deleted: row.deleted)
        }
        let decision = winners.decide()

        let seen = names.filter { name in rows.contains { $0.name == name } }
        let expectedWinners = Set(seen.compactMap { name in rows.lastIndex { $0.name == name && !$0.deleted } })
        let expectedTombstones = Set(seen.filter { name in !rows.contains { $0.name == name && !$0.deleted } }
            .map { name in rows.lastIndex { $0.name == name }! })
        #expect(Set((0..<rows.count).filter(decision.winners.contains)) == expectedWinners)
        #expect(Set((0..<rows.count).filter(decision.tombstones.contains)) == expectedTombstones)
        #expect(decision.duplicates == rows.filter { !$0.deleted }.count - expectedWinners.count)
        let expectedDeletes = seen.compactMap { name -> (Int, Int)? in
            let marks = rows.filter { $0.name == name && $0.deleted }.count
            guard marks > 0 else { return nil }
            let written = rows.lastIndex { $0.name == name && !$0.deleted } ?? rows.lastIndex { $0.name == name }!
            return (written, marks)
        }.sorted { $0.0 < $1.0 }
        #expect(decision.deletes.map { "\($0.ordinal) \($0.rows)" } == expectedDeletes.map { "\($0.0) \($0.1)" })
        #expect(merge ? !expectedTombstones.isEmpty && !expectedDeletes.isEmpty : expectedTombstones.isEmpty && expectedDeletes.isEmpty)
    }

    /// The encoder's first pass takes each row's key from its bytes where it can: the key the
    /// mapped row hashes, for clean and unclean cells, activities in every spelling, and rows
    /// whose other cells the mapper would reject.
    @Test func theKeyFromBytesIsTheMappedRowsKey() throws {
        let keys = ["DRY", "dry", " DRY", "D  RY", "D RY", "", "É", "\"Q,\"\"X\"\"\"", "\"a\tb\"", "1/2\"\" x", "A\u{1}B"]
        let activities = ["", "+", "-", "Replace", "REMOVE", "r", "Remove  and Replace", " Replace", "ÉLE", "R&R", "labor"]
        let csv = MapperPlanTests.randomCSV(header: "Cat,Sel,Activity,Desc,Unit Cost,Date,Delete", seed: 0xD1B5_4A32_D192_ED03) { pick in
            [pick(keys), pick(keys), pick(activities), pick(keys), pick(["", "97.59", "$1,234.50", "abc"]),
             pick(["", "1/1/2025", "2/30/24"]), pick(["", "Yes", " y ", "No", "TRUE", "x"])]
        }
        var mapper: GoldenPETLMapper?
        var compared = 0
        try CSVScanner(source: MemoryByteSource(csv)).forEachRecord { record in
            guard let bound = mapper else {
                mapper = try GoldenPETLMapper(header: record.strings())
                return
            }
            guard case .accept(let row) = bound.map(record, firstField: 0) else { return }
            #expect(bound.key(record, firstField: 0) == ChunkWinners.Key(hex: row.canonicalKeyHash))
            #expect(bound.isDeleteMarked(record, firstField: 0) == row.deleteMark)
            compared += 1
        }
        #expect(compared > 2_000)
    }
}
