import Foundation
import IngestCore
import Testing

@Suite("Hex digits")
struct HexTests {
    /// Every byte value, alone and in a run, as `%02x` writes it.
    @Test func everyByteAsPrintfWritesIt() {
        let bytes = (0...255).map(UInt8.init)
        let expected = bytes.map { String(format: "%02x", $0) }.joined()
        #expect(bytes.withUnsafeBytes { Hex.lowercase($0) } == expected)
        for byte in bytes {
            #expect(Hex.digit(byte >> 4) == Array(String(format: "%02x", byte).utf8)[0])
            #expect(Hex.digit(byte & 0x0F) == Array(String(format: "%02x", byte).utf8)[1])
        }
        #expect([UInt8]().withUnsafeBytes { Hex.lowercase($0) } == "")
    }
}
