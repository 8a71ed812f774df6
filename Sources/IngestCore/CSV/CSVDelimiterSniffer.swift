/// Chooses the delimiter of a tolerant file from its first bytes (spec §6.1).
///
/// Each candidate reads the sample (relaxed: a quote issue or a ragged row does not stop
/// it); the winner has the most columns (distinct sanitized header names), then the most
/// non-blank records, then a header that signals an estimate (one containing `desc`); ties
/// keep the candidates' order. Only the records complete within the sample count, so a
/// sample cut in the middle of a record decides like the whole file would.
public enum CSVDelimiterSniffer {
    /// How much of the file the planner hands to ``choose(sample:candidates:)``.
    public static let sampleSize = 64 << 10

    /// The best of `candidates` for a file that starts with `sample`.
    public static func choose(sample: [UInt8], candidates: [CSVDelimiter]) -> CSVDelimiter {
        precondition(!candidates.isEmpty)
        var best: (delimiter: CSVDelimiter, score: (Int, Int, Int))?
        for delimiter in candidates {
            let score = self.score(sample: sample, delimiter: delimiter)
            if best == nil || score > best!.score { best = (delimiter, score) }
        }
        return best!.delimiter
    }

    /// (columns, records, signal) of reading `sample` with `delimiter`.
    static func score(sample: [UInt8], delimiter: CSVDelimiter) -> (Int, Int, Int) {
        let scanner = CSVScanner(
            source: MemoryByteSource(sample), options: CSVScannerOptions(delimiter: delimiter, maxRecordBytes: sampleSize + 1))
        var header: [String]?
        var records = 0
        // An unterminated quote or an oversized record at the cut-off ends the sample.
        try? scanner.forEachRecord { record in
            guard header != nil else {
                header = record.strings().map(CSVHeaderName.sanitize)
                return
            }
            if !record.isBlank { records += 1 }
        }
        guard let header else { return (0, 0, 0) }
        // The last record may be cut off by the end of the sample: not counted.
        if sample.count >= sampleSize, records > 0 { records -= 1 }
        let signal = header.contains { CSVHeaderName.lookupKey($0).contains("desc") } ? 1 : 0
        return (Set(header).count, records, signal)
    }
}
