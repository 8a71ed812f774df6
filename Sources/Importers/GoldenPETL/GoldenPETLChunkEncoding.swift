/// What a Golden PETL chunk's encoder wrote into the revision's build table, for its
/// ``GoldenPETLImporter/endChunk(_:job:copiedRows:encoding:)`` (``ChunkWinners``).
public struct GoldenPETLChunkEncoding: ChunkEncodingReport {
    /// The upload line of each row written, in order: a winner's own line, a tombstone's
    /// last Delete mark.
    var lines: [Int] = []
    /// How many of the rows written are tombstones.
    var tombstones = 0
    /// Rows that a later row of their key overrode.
    var duplicates: Int
    /// The latest `Date` of the chunk's rows, written or not.
    var latestDate: CalendarDate?

    /// Notes a row's `Date`.
    mutating func note(_ date: CalendarDate?) {
        if let date, latestDate.map({ date > $0 }) ?? true { latestDate = date }
    }

    public func uploadLine(ofCopyRow number: Int) -> Int? {
        number <= lines.count ? lines[number - 1] : nil
    }
}
