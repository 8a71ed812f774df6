import Importers
import IngestCore
import IngestPostgres

/// What a finished plan produced.
struct PlanSummary: Sendable, Equatable {
    var chunkIndexes: [Int]
    var dataRows: Int
    var rejectedRows: Int
    var skippedRows: Int
    /// Records of blank fields only, dropped by a dialect that drops them (not data rows).
    var blankRows = 0
}

/// What planning an upload came to.
enum PlanOutcome: Equatable {
    /// The plan is committed and its chunks are claimable.
    case planned(PlanSummary)
    /// The content was imported before: the job is SUCCEEDED as a duplicate of that job, and
    /// nothing was prepared or made claimable.
    case duplicate(of: Int64)
}

/// Plans one upload (DESIGN §1.3): one streaming pass that hashes the file, checks the
/// header, validates every row (``RowMapper/plan(_:firstField:into:)``), writes rejects, and
/// appends each good row's raw bytes — prefixed with its line number — to the chunk file its
/// partition key selects. The file is read once: its SHA-256 comes from that pass, and only
/// then are duplicates looked for and the importer's `prepare` run.
/// The plan is committed in one transaction; only then do the chunks become claimable.
struct Planner<I: Importer> {
    let importer: I
    let options: ImportOptions
    let settings: PipelineSettings
    let spool: Spool
    let connection: PostgresConnection

    private var ledger: JobLedger { JobLedger(connection: connection) }

    /// What the job is (`meta_json` before anything else is known): strategy and options.
    private var identity: [String: JSONValue] { ["strategy": .string(importer.strategy), "options": options.json] }

    /// Plans `job` for the upload at `path`, which `file` probed before. On failure the job
    /// is FAILED with the reason, nothing is claimable and the tmp files are gone; the error
    /// is rethrown. `duplicateOf` is asked, with the content's SHA-256, for an earlier job
    /// that imported the same content (nil: none, or `--force`). `progress` sees planning
    /// progress (0–10) and may throw to abandon the plan.
    func plan(
        job: Int64, path: String, file: FileProbe, duplicateOf: (String) throws -> Int64?, progress: (Int) throws -> Void
    ) throws -> PlanOutcome {
        let rejects = RejectsWriter(uploadPath: path)
        var sha256: String?
        /// Drops what the pass wrote: the rejects report in progress and the chunk files.
        func discardPass() {
            rejects.abandon()
            try? Files.removeDirectory(spool.tmpDirectory(job: job))
        }
        do {
            // What the job is, recorded first: `retry` plans a job that failed here again with it.
            try ledger.saveMeta(job, meta: .object(identity))
            // What prepare will need is checked before the file is read: an import that
            // cannot succeed (no project, no Golden list) fails at once.
            try importer.check(connection)
            let (pass, delimiter, partitions) = try scan(job: job, path: path, fileSize: file.size, rejects: rejects, progress: progress)
            sha256 = pass.sha256
            // What was read must be the whole file as it was when the job began.
            guard pass.bytesRead == file.size, let now = pass.status, now.size == file.size,
                  now.mtimeNanoseconds == file.mtimeNanoseconds
            else { throw Self.changedFile }
            // A sidecar that exists is checked, whatever the route's completion signal.
            if let expected = try ChecksumSidecar.expectedDigest(for: path), expected != pass.sha256 {
                let name = String(path.split(separator: "/").last ?? "")
                throw ImportFailure(
                    code: .checksumMismatch,
                    message: "the SHA-256 of \(name) is \(pass.sha256), but \(name)\(CompletionSignal.checksumSuffix) expects \(expected): "
                        + "the upload is incomplete or not the file meant; nothing was imported. Upload it again with its sidecar")
            }
            if let original = try duplicateOf(pass.sha256) {
                discardPass()
                try ledger.markDuplicate(job, of: original, sha256: pass.sha256)
                return .duplicate(of: original)
            }
            return .planned(try record(job: job, pass: pass, delimiter: delimiter, partitions: partitions, rejects: rejects))
        } catch {
            discardPass()
            var failure = ImportFailure.explaining(error)
            // A file cut short under the planner reads as broken CSV (a quote never closed,
            // a short last row): say what really happened.
            if failure.code == .malformedFile, let size = FileProbe.probe(path)?.size, size != file.size {
                failure = Self.changedFile
            }
            _ = try? ledger.fail(job, failure, rejects: rejects.count, sha256: sha256)
            throw failure
        }
    }

    /// The pass over the file, with the partition count and the delimiter it used.
    private func scan(
        job: Int64, path: String, fileSize: Int64, rejects: RejectsWriter, progress: (Int) throws -> Void
    ) throws -> (ChunkPass, CSVDelimiter, Int) {
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

    /// After the pass: the importer's `prepare`, the rejects report and limits (a job over
    /// them fails with what prepare made, e.g. a failed estimate version, as before), then
    /// the plan in one transaction, and the chunks made claimable.
    private func record(job: Int64, pass: ChunkPass, delimiter: CSVDelimiter, partitions: Int, rejects: RejectsWriter) throws -> PlanSummary {
        let summary = pass.summary
        let facts = try connection.transaction { connection in
            let ledger = JobLedger(connection: connection)
            guard let row = try ledger.job(job) else {
                throw ImportFailure(code: .internalError, message: "job \(job) is gone from the ledger")
            }
            let facts = try importer.prepare(connection, job: row.context())
            try ledger.bindTarget(job, facts: facts)
            return facts
        }
        // Recorded at once, so that what prepare made is found (gc) even if the plan is not.
        var prepared = identity
        prepared["importer"] = .object(facts)
        try ledger.saveMeta(job, meta: .object(prepared))
        try rejects.finish()
        if settings.rejectsExceedLimits(rejects: summary.rejectedRows, dataRows: summary.dataRows) {
            let file = String(rejects.path.split(separator: "/").last!)
            throw ImportFailure(
                code: .tooManyRejects,
                message: "\(summary.rejectedRows) of \(summary.dataRows) rows rejected (see \(file)); limits: "
                    + "max_rejects \(settings.maxRejects), max_reject_ratio \(settings.maxRejectRatio)")
        }
        var meta = prepared
        meta.merge([
            "partitions": .int(Int64(partitions)),
            "partitionFunction": .string(PartitionFunction.current.rawValue),
            "chunkCount": .int(Int64(summary.chunkIndexes.count)),
            "delimiter": .string(delimiter.description),
            "header": .array(pass.header.map { .string($0) }),
            "plan": [
                "dataRows": .int(Int64(summary.dataRows)),
                "rejectedRows": .int(Int64(summary.rejectedRows)),
                "skippedRows": .int(Int64(summary.skippedRows)),
                "blankRows": .int(Int64(summary.blankRows)),
            ],
        ]) { $1 }
        try ledger.recordPlan(
            job, sha256: pass.sha256, rejects: summary.rejectedRows, meta: .object(meta),
            chunks: summary.chunkIndexes.map { ($0, pass.rowCounts[$0], pass.byteCounts[$0]) },
            message: "Planned \(summary.chunkIndexes.count) chunk(s) (\(summary.dataRows) rows)")
        try spool.publish(job: job, chunkIndexes: summary.chunkIndexes)
        return summary
    }

    /// The failure of a plan whose file changed under it.
    static var changedFile: ImportFailure {
        ImportFailure(code: .io, message: "the file changed while it was being imported; it is imported again when it is complete")
    }

    /// What one pass over the file wrote.
    struct ChunkPass {
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
        delimiter: CSVDelimiter, keep: (Int) -> Bool, rejects: RejectsWriter?, progress: (Int) throws -> Void
    ) throws -> ChunkPass {
        let dialect = importer.dialect
        let tmp = spool.tmpDirectory(job: job)
        try Files.makeDirectories(tmp)
        var writers = [BufferedFileWriter?](repeating: nil, count: partitions)
        var rowCounts = [Int](repeating: 0, count: partitions)
        var byteCounts = [Int64](repeating: 0, count: partitions)

        let source = HashingByteSource(try FileByteSource(path: path))
        let scanner = CSVScanner(source: source, options: CSVScannerOptions(delimiter: delimiter))
        var mapper: I.Mapper?
        var header: [String] = []
        var summary = PlanSummary(chunkIndexes: [], dataRows: 0, rejectedRows: 0, skippedRows: 0)
        var rejected = 0
        var lastProgress = 0
        var linePrefix: [UInt8] = []
        // Bytes of the records before this one (line ends counted as one byte): the
        // position that places a row in its line range.
        var offset: Int64 = 0

        try scanner.forEachRecord { record in
            let recordStart = offset
            offset += Int64(record.withRawBytes { $0.count } + 1)
            guard let mapper else {
                if let issue = record.issue {
                    throw ImportFailure(code: .malformedFile, message: "header row: \(issue)", line: record.line)
                }
                header = record.strings()
                mapper = try importer.makeMapper(header: header)
                return
            }
            if dialect.dropsBlankRecords, record.isBlank {
                summary.blankRows += 1
                return
            }
            summary.dataRows += 1
            if summary.dataRows % 4096 == 0 {
                let percent = Int(Int64(10 * scanner.bytesRead) / max(fileSize, 1))
                if percent > lastProgress {
                    lastProgress = percent
                    try progress(percent)
                }
            }
            let result: RowResult<Void>
            var hasher = FNV1a64()
            if let issue = record.issue, !dialect.tolerates(issue) {
                result = .reject(reason: issue.description)
            } else if !dialect.relaxedColumnCount, record.fieldCount != mapper.fieldCount {
                result = .reject(reason: "expected \(mapper.fieldCount) fields, found \(record.fieldCount)")
            } else {
                result = mapper.plan(record, firstField: 0, into: &hasher)
            }
            switch result {
            case .accept:
                let index: Int
                switch importer.partitioning {
                case .keyHash:
                    index = partitionFunction.partition(hasher.value, count: partitions)
                case .lineRange:
                    index = min(partitions - 1, Int(recordStart * Int64(partitions) / max(fileSize, 1)))
                }
                guard keep(index) else { return }
                if writers[index] == nil {
                    writers[index] = try BufferedFileWriter(path: "\(tmp)/\(Spool.chunkFileName(job: job, index: index))", mode: 0o600)
                }
                let writer = writers[index]!
                // The line number's digits without a String in between (one per row).
                linePrefix.removeAll(keepingCapacity: true)
                var digits = record.line
                repeat {
                    linePrefix.append(UInt8(ascii: "0") + UInt8(digits % 10))
                    digits /= 10
                } while digits > 0
                linePrefix.reverse()
                linePrefix.append(delimiter.rawValue)
                try writer.write(linePrefix)
                try record.withRawBytes { (raw: UnsafeBufferPointer<UInt8>) throws(SystemError) in
                    try writer.write(raw)
                    byteCounts[index] += Int64(raw.count + linePrefix.count + 1)
                }
                try writer.write(0x0A)
                rowCounts[index] += 1
            case .skip:
                summary.skippedRows += 1
            case .reject(let reason):
                rejected += 1
                try record.withRawBytes { raw in try rejects?.reject(line: record.line, reason: reason, raw: raw) }
            }
        }
        summary.rejectedRows = rejected
        if mapper == nil {
            throw ImportFailure(code: .malformedFile, message: "the file is empty: there is no header row")
        }
        for (index, writer) in writers.enumerated() {
            guard let writer else { continue }
            try writer.close(sync: true)
            summary.chunkIndexes.append(index)
        }
        try Files.syncDirectory(tmp)
        return ChunkPass(
            summary: summary, header: header, rowCounts: rowCounts, byteCounts: byteCounts, sha256: source.hexDigest(),
            bytesRead: source.bytesRead, status: source.status())
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
