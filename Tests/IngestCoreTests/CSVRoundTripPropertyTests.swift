import IngestCore
import Testing

/// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("CSV round trip (property)")
struct CSVRoundTripPropertyTests {
    /// Characters chosen to hit every state of the scanner.
    static let alphabet: [String] = ["a", "Z", "0", " ", ",", ";", "\t", "|", "\"", "\r", "\n", "\r\n", "é", "€", "😀", "\\", "x"]

    static func randomField(_ rng: inout SplitMix64) -> String {
        let length = Int.random(in: 0...12, using: &rng)
        return (0..<length).map { _ in alphabet.randomElement(using: &rng)! }.joined()
    }

    @Test(arguments: 0..<40)
    func randomTablesScanBackEqual(seed: Int) throws {
        var rng = SplitMix64(state: UInt64(seed) &* 7919 &+ 1)
        let delimiter = CSVDelimiter.allCases.randomElement(using: &rng)!
        let columns = Int.random(in: 1...6, using: &rng)
        let rows = Int.random(in: 1...60, using: &rng)
        let table = (0..<rows).map { _ in (0..<columns).map { _ in Self.randomField(&rng) } }
        var bytes: [UInt8] = Bool.random(using: &rng) ? [0xEF, 0xBB, 0xBF] : []
        var expectedLines: [Int] = []
        var line = 1
        for row in table {
            expectedLines.append(line)
            var encoded: [UInt8] = []
            CSVFormatter.appendRecord(row, delimiter: delimiter, to: &encoded)
            bytes += encoded
            line += lineBreaks(in: encoded)
        }
        let blockSize = [1, 2, 3, 7, 64, 1 << 16].randomElement(using: &rng)!
        let scanned = try scan(bytes: bytes, CSVScannerOptions(delimiter: delimiter, blockSize: blockSize))
        #expect(scanned.map(\.fields) == table, "seed \(seed), delimiter \(delimiter), block \(blockSize)")
        #expect(scanned.map(\.line) == expectedLines, "seed \(seed)")
        #expect(scanned.allSatisfy { $0.issue == nil })
    }

    /// Physical line breaks: LF, CRLF and lone CR each count once.
    func lineBreaks(in bytes: [UInt8]) -> Int {
        var count = 0
        for (i, byte) in bytes.enumerated() {
            if byte == 0x0A || (byte == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A)) { count += 1 }
        }
        return count
    }
}
