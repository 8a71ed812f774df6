import Importers
import IngestCore

/// The planner's pass over an upload, apart from the ledger (DESIGN §1.3): reads the file once,
/// hashes it, checks the header, validates every row and writes the chunk files under
/// `spool/tmp/<job>/`. No database: unit tests run it on real files.
struct ChunkPassWriter<I: Importer> {
    let importer: I
    let settings: PipelineSettings
    let spool: Spool

    /// The pass over the file, with the partition count and the delimiter it used.
    func scan(
        job: Int64, path: String, fileSize: Int64, rejects: RejectsWriter, progress: (Int) throws -> Void
    ) throws -> (Pass, CSVDelimiter, Int) {
        let partitions = settings.partitionCount(fileSize: fileSize)
        let dialect = importer.dialect
        // One read of the file's start serves the signature check and, when the dialect has
        // several candidates, the delimiter sniffing.
        let sample = try Self.prefix(of: path, count: dialect.delimiters.count > 1 ? CSVDelimiterSniffer.sampleSize : 8)
        if let problem = FileSignature.problem(startingWith: sample) {
            throw ImportFailure(code: .malformedFile, message: problem, line: 1)
        }
        let delimiter = dialect.delimiters.count > 1
            ? CSVDelimiterSniffer.choose(sample: sample, candidates: dialect.delimiters) : dialect.delimiters[0]
        let pass = try writeChunks(
            job: job, path: path, fileSize: fileSize, partitions: partitions, partitionFunction: .current,
            delimiter: delimiter, keep: { _ in true }, rejects: rejects, progress: progress)
        return (pass, delimiter, partitions)
    }

    /// What one pass over the file wrote.
    struct Pass {
        var summary: PlanSummary
        var header: [String]
        var rowCounts: [Int]
        var byteCounts: [Int64]
        var sha256: String
        /// Bytes read, and the open file's size and mtime after the last read.
        var bytesRead: Int64
        var status: (size: Int64, mtimeNanoseconds: Int64)?
    }

    /// Reads the file once: hashes it, checks the header, validates every row, reports rejects to
    /// `rejects` (when given), and appends each accepted row whose chunk index `keep`
    /// accepts — raw bytes prefixed with its line number — to that chunk's file under
    /// `spool/tmp/<job>/` (closed and fsynced). The same file, partitions, partition function
    /// and delimiter give the same chunks, byte for byte: `retry` relies on it.
    func writeChunks(
        job: Int64, path: String, fileSize: Int64, partitions: Int, partitionFunction: PartitionFunction,
        delimiter: CSVDelimiter, keep: @escaping (Int) -> Bool, rejects: RejectsWriter?, progress: (Int) throws -> Void
    ) throws -> Pass {
        let dialect = importer.dialect
        let tmp = spool.tmpDirectory(job: job)
        try Files.makeDirectories(tmp)
        let scan = try ScanAhead(path: path, delimiter: delimiter)
        guard var batch = try scan.next() else {
            throw ImportFailure(code: .malformedFile, message: "the file is empty: there is no header row")
        }
        let header = try batch.withRecord(at: 0) { first throws(ImportFailure) in
            if let issue = first.issue {
                throw ImportFailure(code: .malformedFile, message: "header row: \(issue)", line: first.line)
            }
            return first.strings()
        }
        // Bytes of the records before this one (line ends counted as one byte): the
        // position that places a row in its line range.
        var offset = Int64(batch.withRecord(at: 0) { $0.withRawBytes { $0.count } } + 1)
        let router = ChunkRowRouter(
            mapper: try importer.makeMapper(header: header), dialect: dialect, partitioning: importer.partitioning,
            partitionFunction: partitionFunction, partitions: partitions, fileSize: fileSize, delimiter: delimiter,
            directory: tmp, job: job, keep: keep, rejects: rejects)
        var summary = PlanSummary(chunkIndexes: [], dataRows: 0, rejectedRows: 0, skippedRows: 0)
        var lastProgress = 0
        var index = 1
        while true {
            while index < batch.count {
                try batch.withRecord(at: index) { record in
                    let recordStart = offset
                    offset += Int64(record.withRawBytes { $0.count } + 1)
                    if dialect.dropsBlankRecords, record.isBlank {
                        summary.blankRows += 1
                        return
                    }
                    summary.dataRows += 1
                    try router.route(record, at: recordStart)
                }
                index += 1
            }
            let percent = Int(Int64(10 * batch.bytesRead) / max(fileSize, 1))
            if percent > lastProgress {
                lastProgress = percent
                try progress(percent)
            }
            scan.release(batch)
            guard let next = try scan.next() else { break }
            batch = next
            index = 0
        }
        summary.rejectedRows = router.rejected
        summary.skippedRows = router.skipped
        summary.chunkIndexes = try router.closeChunks()
        try Files.syncDirectory(tmp)
        let read = scan.result
        return Pass(
            summary: summary, header: header, rowCounts: router.rowCounts, byteCounts: router.byteCounts,
            sha256: read.sha256, bytesRead: read.bytesRead, status: read.status)
    }

    /// The first `count` bytes of the file (fewer when it is shorter).
    static func prefix(of path: String, count: Int) throws -> [UInt8] {
        let source = try FileByteSource(path: path)
        var sample = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < sample.count {
            let n = try sample.withUnsafeMutableBytes { buffer in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            if n == 0 { break }
            filled += n
        }
        sample.removeSubrange(filled...)
        return sample
    }
}
