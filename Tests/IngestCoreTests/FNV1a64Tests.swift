import IngestCore
import Testing

@Suite("FNV-1a 64")
struct FNV1a64Tests {
    /// Reference vectors of the FNV specification (draft-eastlake-fnv).
    @Test(arguments: [
        ("", 0xcbf2_9ce4_8422_2325 as UInt64),
        ("a", 0xaf63_dc4c_8601_ec8c),
        ("foobar", 0x8594_4171_f739_67e8),
    ])
    func referenceVectors(input: String, expected: UInt64) {
        #expect(FNV1a64.hash(input.utf8) == expected)
    }

    @Test func incrementalEqualsOneShot() {
        var hasher = FNV1a64()
        hasher.combine("DRY||".utf8)
        hasher.combine("1/2".utf8)
        #expect(hasher.value == FNV1a64.hash("DRY||1/2".utf8))
    }
}
