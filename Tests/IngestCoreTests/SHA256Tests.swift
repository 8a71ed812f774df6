import IngestCore
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-2 vectors, and one longer than a block.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func referenceVectors(input: String, expected: String) {
        #expect(SHA256.hexDigest(of: Array(input.utf8)) == expected)
        let hasher = SHA256Hasher()
        Array(input.utf8).withUnsafeBytes { hasher.update($0) }
        #expect(hasher.hexDigest() == expected)
    }

    /// A stream hashed in pieces of every size equals the one-shot digest, and reading the
    /// digest leaves the hasher as it was.
    @Test func piecesEqualTheWhole() {
        let bytes = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hexDigest(of: bytes)
        for piece in [1, 63, 64, 65, 999] {
            let hasher = SHA256Hasher()
            var start = 0
            while start < bytes.count {
                let end = min(start + piece, bytes.count)
                bytes[start..<end].withUnsafeBytes { hasher.update($0) }
                if start == 0 { _ = hasher.hexDigest() }
                start = end
            }
            #expect(hasher.hexDigest() == whole, "pieces of \(piece)")
        }
    }

    /// Threads hashing at once each get their own context: every digest is right.
    @Test func threadsHashAtOnce() async {
        let inputs = (0..<8).map { thread in (0..<200).map { Array("row \(thread) \($0)".utf8) } }
        let expected = inputs.map { $0.map { SHA256.hexDigest(of: $0) } }
        let results = await withTaskGroup(of: (Int, [String]).self) { group in
            for (index, rows) in inputs.enumerated() {
                group.addTask { (index, rows.map { SHA256.hexDigest(of: $0) }) }
            }
            var results = [[String]](repeating: [], count: inputs.count)
            for await (index, digests) in group { results[index] = digests }
            return results
        }
        #expect(results == expected)
    }
}
