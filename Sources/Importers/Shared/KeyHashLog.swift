/// The hash values of the keys a chunk's encoder wrote, to tell once the chunk is written
/// whether any key was written twice (``ChunkEncoding/distinctKeys``): when none was, the
/// chunk's statement need not group its rows by key.
///
/// Two different keys with equal hash values count as a repeat, which only sends the chunk
/// the slower, grouping way. The values are kept in a list sorted once at the end (a third of
/// the memory of a set).
struct KeyHashLog {
    /// Keys remembered at most (8 bytes each): a chunk that writes more rows than this is
    /// taken to repeat a key. Chunks of 64 MB hold about 1.2M rows of the Golden Components
    /// legacy layout.
    static let maxKeys = 2_000_000

    private var hashes: [Int] = []
    /// Whether more than ``maxKeys`` keys were noted.
    private var overflowed = false

    /// Notes that a row with this key's hash value was written.
    mutating func note(_ hash: Int) {
        guard !overflowed else { return }
        if hashes.count == Self.maxKeys {
            overflowed = true
            hashes = []
        } else {
            hashes.append(hash)
        }
    }

    /// True when no hash value was noted twice and no more than ``maxKeys`` were noted.
    mutating func distinct() -> Bool {
        guard !overflowed else { return false }
        hashes.sort()
        return zip(hashes, hashes.dropFirst()).allSatisfy { $0 != $1 }
    }
}
