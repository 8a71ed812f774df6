import IngestPostgres
import Testing

/// ``CopyInWriter/appendTextEscaped(_:to:)`` against a byte-by-byte reference, on bytes whose
/// special bytes fall inside, across and after its 64-byte blocks.
@Suite struct CopyTextEscapingTests {
    /// The COPY text format's escaping, one byte at a time.
    static func reference(_ bytes: [UInt8]) -> [UInt8] {
        bytes.flatMap { byte -> [UInt8] in
            switch byte {
            case 0x5C: [0x5C, 0x5C]
            case 0x09: [0x5C, 0x74]
            case 0x0A: [0x5C, 0x6E]
            case 0x0D: [0x5C, 0x72]
            default: [byte]
            }
        }
    }

    static func escaped(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x41]  // appends after what is there
        bytes.withUnsafeBufferPointer { CopyInWriter.appendTextEscaped($0, to: &out) }
        return Array(out.dropFirst())
    }

    @Test func matchesTheByteByByteEscapingAtEveryLength() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x5C, 0x09, 0x0A, 0x0D, 0x41, 0x22, 0x2C, 0x00, 0xC3, 0xA9, 0xFF, 0x20]
        for length in 0...300 {
            for density in [0, 1, 4, 12] {
                let bytes = (0..<length).map { _ -> UInt8 in
                    Int.random(in: 0..<12, using: &generator) < density
                        ? alphabet[Int.random(in: 0..<4, using: &generator)]
                        : alphabet[Int.random(in: 4..<alphabet.count, using: &generator)]
                }
                #expect(Self.escaped(bytes) == Self.reference(bytes), "length \(length), density \(density): \(bytes)")
            }
        }
    }

    @Test func specialBytesAtBlockEdges() {
        for position in [0, 1, 62, 63, 64, 65, 127, 128, 129] {
            for special: UInt8 in [0x5C, 0x09, 0x0A, 0x0D] {
                var bytes = [UInt8](repeating: 0x61, count: 130)
                bytes[position] = special
                #expect(Self.escaped(bytes) == Self.reference(bytes), "position \(position), byte \(special)")
                let all = [UInt8](repeating: special, count: position + 1)
                #expect(Self.escaped(all) == Self.reference(all), "\(position + 1) of byte \(special)")
            }
        }
    }
}
