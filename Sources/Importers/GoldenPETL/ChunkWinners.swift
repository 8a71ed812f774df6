import IngestCore

/// Which rows of one Golden PETL chunk go into the revision's build table (spec §4.3), found
/// by the chunk's encoder from each row's canonical key before it writes any row (it reads the
/// chunk file twice): per key, the last row by line that takes part wins (in a merge a
/// Delete-marked row takes no part); in a merge, a key whose every row is Delete-marked leaves
/// a tombstone, so that the previous revision's item is not carried forward.
///
/// Every row of one key is in one chunk (the planner partitions by the canonical key hash), so
/// a chunk decides its keys alone. Rows are noted in chunk order, which is file order.
struct ChunkWinners {
    /// A canonical key hash as its 32 digest bytes (its text is their lowercase hex).
    struct Key: Hashable {
        private var words: (UInt64, UInt64, UInt64, UInt64)

        /// The key of a SHA-256 digest (32 bytes).
        init(digest: UnsafeRawBufferPointer) {
            precondition(digest.count == 32, "a SHA-256 digest has 32 bytes")
            words = (
                digest.loadUnaligned(fromByteOffset: 0, as: UInt64.self), digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                digest.loadUnaligned(fromByteOffset: 16, as: UInt64.self), digest.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }

        /// The key of a canonical key hash's text (64 lowercase hex digits); nil for other text.
        init?(hex: String) {
            let digits = Array(hex.utf8)
            guard digits.count == 64 else { return nil }
            var bytes = [UInt8](repeating: 0, count: 32)
            for i in 0..<32 {
                guard let high = Self.value(of: digits[2 * i]), let low = Self.value(of: digits[2 * i + 1]) else { return nil }
                bytes[i] = high << 4 | low
            }
            self = bytes.withUnsafeBytes { Key(digest: $0) }
        }

        /// The canonical key hash's text.
        var hex: String {
            var words = words
            return withUnsafeBytes(of: &words) { Hex.lowercase($0) }
        }

        private static func value(of digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            default: nil
            }
        }

        static func == (a: Key, b: Key) -> Bool {
            a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
        }

        /// The digest's first word: its bytes are uniformly spread already.
        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
        }
    }

    /// What one key's rows were.
    private struct Tally {
        /// The ordinal of the key's last row that takes part; -1 while it has none.
        var lastKept: Int32 = -1
        /// How many of its rows take part.
        var kept: Int32 = 0
        /// How many of its rows a merge's Delete mark takes out.
        var deletes: Int32 = 0
        /// The line of the last of those.
        var lastDeleteLine = 0

        mutating func note(ordinal: Int32, line: Int, deleted: Bool) {
            if deleted {
                deletes += 1
                lastDeleteLine = line
            } else {
                kept += 1
                lastKept = ordinal
            }
        }
    }

    private var tallies: [Key: Tally] = [:]
    /// How many rows were noted.
    private(set) var rows = 0

    /// Notes the chunk's next row: its key, its upload line, and whether a merge's Delete mark
    /// takes it out (never in a replace: there a Delete mark is an ordinary column).
    mutating func note(_ key: Key, line: Int, deleted: Bool) {
        let ordinal = Int32(rows)
        rows += 1
        tallies[key, default: Tally()].note(ordinal: ordinal, line: line, deleted: deleted)
    }

    /// The rows that win, a bit per row by ordinal (from 0, in the order they were noted).
    func winners() -> Winners {
        var winners = Winners(rows: rows)
        for tally in tallies.values where tally.lastKept >= 0 { winners.insert(Int(tally.lastKept)) }
        return winners
    }

    /// Rows that take part but do not win (a key the file repeats): the legacy `duplicateCount`.
    var duplicates: Int {
        tallies.values.reduce(0) { $0 + max(Int($1.kept) - 1, 0) }
    }

    /// The keys whose every row is Delete-marked, with the line of the last mark, by line.
    var tombstones: [(key: Key, line: Int)] {
        tallies.compactMap { $0.value.lastKept < 0 ? ($0.key, $0.value.lastDeleteLine) : nil }.sorted { $0.line < $1.line }
    }

    /// The keys with Delete-marked rows, with how many, by key text.
    var deletions: [(key: Key, rows: Int)] {
        tallies.compactMap { $0.value.deletes > 0 ? ($0.key, Int($0.value.deletes)) : nil }.sorted { $0.key.hex < $1.key.hex }
    }

    /// A set of row ordinals, a bit each.
    struct Winners {
        private var words: [UInt64]

        init(rows: Int) {
            words = [UInt64](repeating: 0, count: (rows + 63) / 64)
        }

        mutating func insert(_ ordinal: Int) {
            words[ordinal >> 6] |= 1 << UInt64(ordinal & 63)
        }

        func contains(_ ordinal: Int) -> Bool {
            words[ordinal >> 6] & (1 << UInt64(ordinal & 63)) != 0
        }
    }
}
