@testable import Importers
import Testing

@Suite("JSON escaping of raw cells")
struct JSONEscapingTests {
    /// The escape of one byte, as JSON wants it (the reference the run-copying escaper must match).
    static func reference(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        for byte in bytes {
            switch byte {
            case 0x00: return nil
            case 0x22: out += Array(#"\""#.utf8)
            case 0x5C: out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x01..<0x20: out += Array("\\u00".utf8) + Array(String(byte >> 4, radix: 16).utf8) + Array(String(byte & 0xF, radix: 16).utf8)
            default: out.append(byte)
            }
        }
        return out
    }

    @Test func matchesTheByteByByteEscape() {
        let alphabet: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x22, 0x41, 0x5C, 0x7A, 0xC3, 0xA9, 0x7F]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let bytes = (0..<Int(state >> 60)).map { alphabet[Int((state >> UInt64(4 * $0)) & 0xF) % alphabet.count] }
            var out: [UInt8] = [0x5B]
            let ok = bytes.withUnsafeBufferPointer { JSONEscaping.append($0, to: &out) }
            let expected = Self.reference(bytes)
            #expect(ok == (expected != nil), "\(bytes)")
            if let expected { #expect(out == [0x5B] + expected, "\(bytes)") }
        }
    }

    /// jsonb's key order: shorter names first, then byte order (UTF-8, not the locale); equal
    /// names keep their order, so that jsonb still keeps the later one's value.
    @Test func columnsGoInJsonbKeyOrder() {
        let names = ["Cat", "Sel", "Activity", "Desc", "Unit Cost", "Cat", "#", "é", "Z"]
        #expect(JSONEscaping.jsonbOrder(Array(names.indices), names: names) == [6, 8, 7, 0, 5, 1, 3, 2, 4])
        #expect(JSONEscaping.jsonbOrder([3, 1], names: names) == [1, 3])
    }
}
