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
    private var passWriter: ChunkPassWriter<I> { ChunkPassWriter(importer: importer, settings: settings, spool: spool) }

    /// What the job is (`meta_json` before anything else is known, recorded when the job is
    /// created): strategy and options.
    var identity: [String: JSONValue] { ["strategy": .string(importer.strategy), "options": options.json] }

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
            // What prepare will need is checked before the file is read: an import that
            // cannot succeed (no project, no Golden list) fails at once.
            try importer.check(connection)
            let (pass, delimiter, partitions) = try passWriter.scan(job: job, path: path, fileSize: file.size, rejects: rejects, progress: progress)
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

    /// After the pass: the importer's `prepare`, the rejects report and the plan, committed
    /// together, and the chunks made claimable. A job over the rejects limits fails with what
    /// prepare made (e.g. a failed estimate version), as before.
    private func record(job: Int64, pass: ChunkPassWriter<I>.Pass, delimiter: CSVDelimiter, partitions: Int, rejects: RejectsWriter) throws -> PlanSummary {
        let summary = pass.summary
        if settings.rejectsExceedLimits(rejects: summary.rejectedRows, dataRows: summary.dataRows) {
            // Prepare's facts are recorded, so that `gc` finds what it made.
            try connection.transaction { connection in
                try JobLedger(connection: connection).saveMeta(job, meta: .object(try prepare(job: job, in: connection)))
            }
            try rejects.finish()
            let file = String(rejects.path.split(separator: "/").last!)
            throw ImportFailure(
                code: .tooManyRejects,
                message: "\(summary.rejectedRows) of \(summary.dataRows) rows rejected (see \(file)); limits: "
                    + "max_rejects \(settings.maxRejects), max_reject_ratio \(settings.maxRejectRatio)")
        }
        // One transaction and one commit: what prepare made is committed only with the plan.
        try connection.transaction { connection in
            var meta = try prepare(job: job, in: connection)
            try rejects.finish()
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
            try JobLedger(connection: connection).recordPlan(
                job, sha256: pass.sha256, rejects: summary.rejectedRows, meta: .object(meta),
                chunks: summary.chunkIndexes.map { ($0, pass.rowCounts[$0], pass.byteCounts[$0]) },
                message: "Planned \(summary.chunkIndexes.count) chunk(s) (\(summary.dataRows) rows)")
        }
        try spool.publish(job: job, chunkIndexes: summary.chunkIndexes)
        return summary
    }

    /// The importer's `prepare` in the caller's transaction, its facts bound to the job;
    /// returns the job's meta with them, for the caller to record.
    private func prepare(job: Int64, in connection: PostgresConnection) throws -> [String: JSONValue] {
        let ledger = JobLedger(connection: connection)
        guard let row = try ledger.job(job) else {
            throw ImportFailure(code: .internalError, message: "job \(job) is gone from the ledger")
        }
        let facts = try importer.prepare(connection, job: row.context())
        try ledger.bindTarget(job, facts: facts)
        var meta = identity
        meta["importer"] = .object(facts)
        return meta
    }

    /// The failure of a plan whose file changed under it.
    static var changedFile: ImportFailure {
        ImportFailure(code: .io, message: "the file changed while it was being imported; it is imported again when it is complete")
    }

}
