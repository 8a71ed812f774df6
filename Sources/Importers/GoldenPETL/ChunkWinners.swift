import IngestCore

/// Which rows of one Golden PETL chunk go into the revision's build table (spec §4.3), found
/// by the chunk's encoder from each row's canonical key before it writes any row (it reads the
/// chunk file twice): per key, the last row by line that takes part wins (in a merge a
/// Delete-marked row takes no part); in a merge, a key whose every row is Delete-marked leaves
/// a tombstone (its last marked row), so that the previous revision's item is not carried
/// forward.
///
/// Every row of one key is in one chunk (the planner partitions by the canonical key hash), so
/// a chunk decides its keys alone. Rows are noted in chunk order, which is file order.
///
/// Each row costs 16 bytes until ``decide()``: its key's first 96 bits and its place. A
/// dictionary of whole keys took 390 MB of the agent at its peak for a narrow 2M-row file
/// (66 MB before the encoder picked the winners); two different keys of one chunk would have
/// to share the first 96 bits of their SHA-256 digests (odds about 1 in 10^16 for 3M keys).
struct ChunkWinners {
    /// The first 96 bits of a canonical key's SHA-256 digest.
    struct Key: Comparable {
        fileprivate var high: UInt64
        fileprivate var low: UInt32

        /// The key of a SHA-256 digest (32 bytes).
        init(digest: UnsafeRawBufferPointer) {
            precondition(digest.count == 32, "a SHA-256 digest has 32 bytes")
            high = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            low = UInt32(bigEndian: digest.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
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

        private static func value(of digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            default: nil
            }
        }

        static func < (a: Key, b: Key) -> Bool {
            (a.high, a.low) < (b.high, b.low)
        }
    }

    /// One noted row: its key and its place, with the Delete mark in the place's top bit.
    private struct Entry {
        var key: Key
        var place: UInt32

        var ordinal: Int { Int(place & ~Entry.deleted) }
        var isDeleted: Bool { place & Entry.deleted != 0 }
        static let deleted: UInt32 = 1 << 31
    }

    private var entries: [Entry] = []

    /// Notes the chunk's next row: its key, and whether a merge's Delete mark takes it out
    /// (never in a replace: there a Delete mark is an ordinary column).
    mutating func note(_ key: Key, deleted: Bool) {
        precondition(entries.count < Int(Entry.deleted), "a chunk holds fewer than 2^31 rows")
        entries.append(Entry(key: key, place: UInt32(entries.count) | (deleted ? Entry.deleted : 0)))
    }

    /// What the rows noted come to, by ordinal (from 0, in the order they were noted). The
    /// notes are given up.
    mutating func decide() -> Decision {
        var decision = Decision(rows: entries.count)
        entries.sort { $0.key < $1.key }
        var start = 0
        while start < entries.count {
            // One key's rows, in no order: the last of each kind in the file has the highest ordinal.
            var lastKept = -1, last = -1
            var kept = 0, deletes = 0
            var end = start
            while end < entries.count, entries[end].key == entries[start].key {
                let ordinal = entries[end].ordinal
                last = max(last, ordinal)
                if entries[end].isDeleted {
                    deletes += 1
                } else {
                    kept += 1
                    lastKept = max(lastKept, ordinal)
                }
                end += 1
            }
            let written: Int
            if kept > 0 {
                decision.winners.insert(lastKept)
                decision.duplicates += kept - 1
                written = lastKept
            } else {
                written = last
                decision.tombstones.insert(written)
            }
            if deletes > 0 { decision.deletes.append((UInt32(written), UInt32(deletes))) }
            start = end
        }
        entries = []
        decision.deletes.sort { $0.ordinal < $1.ordinal }
        return decision
    }

    /// Which rows a chunk writes, and what it counts.
    struct Decision {
        /// Each key's winning row.
        var winners: Rows
        /// The last row of each key whose every row is Delete-marked.
        var tombstones: Rows
        /// Rows that take part but do not win (a key the file repeats): the legacy `duplicateCount`.
        var duplicates = 0
        /// For each key with Delete-marked rows, how many, by the ordinal of the row written
        /// for the key (its winner or its tombstone), in ordinal order.
        var deletes: [(ordinal: UInt32, rows: UInt32)] = []

        init(rows: Int) {
            winners = Rows(rows: rows)
            tombstones = Rows(rows: rows)
        }
    }

    /// A set of row ordinals, a bit each.
    struct Rows {
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
