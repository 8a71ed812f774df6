import IngestCore
import Testing

/// Records copied into a batch read back as the scanner gave them: bytes, fields (quoted and
/// escaped ones too), lines, issues and NUL bytes; a full batch refuses a record and stays as
/// it was, and an empty one takes a record larger than its memory.
@Suite("CSV record batch")
struct CSVRecordBatchTests {
    static let text = "a,b\n1,\"x, \"\"y\"\"\"\n\"two\nlines\",z\"q\n3,\u{0}\n4,é\n" + String(repeating: "w", count: 300) + ",5\n"

    @Test func recordsReadBackAsScanned() throws {
        let expected = try scan(Self.text)
        for capacity in [1, 8, 64, 1 << 20] {
            var found: [Scanned] = []
            var nul: [Bool] = []
            let batch = CSVRecordBatch(byteCapacity: capacity)
            func drain() {
                for index in 0..<batch.count {
                    batch.withRecord(at: index) { record in
                        found.append(Scanned(
                            line: record.line, fields: record.strings(),
                            raw: String(decoding: record.copyRawBytes(), as: UTF8.self), issue: record.issue))
                        nul.append(record.containsNUL)
                    }
                }
                batch.removeAll()
            }
            try CSVScanner(source: MemoryByteSource(Self.text)).forEachRecord { record in
                if !batch.append(record) {
                    drain()
                    let taken = batch.append(record)
                    #expect(taken, "an empty batch takes any record")
                }
            }
            drain()
            #expect(found == expected, "capacity \(capacity)")
            #expect(nul == [false, false, false, true, false, false], "capacity \(capacity)")
        }
    }

    @Test func aFullBatchRefusesARecordAndStaysAsItWas() throws {
        let batch = CSVRecordBatch(byteCapacity: 10)
        var accepted: [Bool] = []
        try CSVScanner(source: MemoryByteSource("abcd\nefgh\nijkl\n")).forEachRecord { accepted.append(batch.append($0)) }
        #expect(accepted == [true, true, false])
        #expect(batch.count == 2)
        #expect(batch.withRecord(at: 1) { $0.strings() } == ["efgh"])
    }
}
