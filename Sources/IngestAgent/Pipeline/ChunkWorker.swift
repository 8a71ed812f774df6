import Importers
import IngestCore
import IngestPostgres

/// Loads claimed chunks (DESIGN §1.4) and runs the finalize step after the last one.
///
/// One transaction per chunk: lock the chunk's ledger row (a chunk already DONE is skipped,
/// so a chunk claimed twice is written once; an attempt starts only for a claimant the
/// database counts as alive, and only the chunk's current attempt can commit, so one another
/// agent has overtaken since is dropped), `COPY` its rows through the importer, mark it DONE
/// with its counts, and bump the job's `completed_chunks` and progress in the same statement.
/// Transient database errors retry the chunk with exponential backoff on a fresh
/// connection, up to `retry.max_attempts`; anything else fails the job, and the job's other
/// chunks are then abandoned unwritten.
final class ChunkWorker<I: Importer> {
    typealias Outcome = ChunkOutcome

    private let importer: I
    private let settings: PipelineSettings
    private let spool: Spool
    private let connection: WorkerConnection

    init(importer: I, settings: PipelineSettings, spool: Spool, connection: WorkerConnection) {
        self.importer = importer
        self.settings = settings
        self.spool = spool
        self.connection = connection
    }

    /// Loads `chunk`, retrying transient failures, and finalizes the job after its last chunk.
    func process(_ chunk: Spool.ClaimedChunk) -> Outcome {
        var tries = 0
        // The ledger's attempt number of the latest try that started.
        var attempt: Int?
        while true {
            tries += 1
            do {
                let outcome = try attemptChunk(chunk, attempt: &attempt)
                // A superseded claim's file is another agent's to move now.
                if outcome != .superseded { try? spool.release(chunk) }
                return outcome
            } catch let error as PostgresError where error.isTransient && tries < settings.maxAttempts {
                connection.reset()
                sleepMilliseconds(settings.backoffMilliseconds(attempt: tries))
            } catch {
                let failure = chunkFailure(error, chunk: chunk.chunkIndex)
                switch recordFailure(failure, chunk: chunk, attempt: attempt) {
                case .recorded:
                    try? spool.release(chunk)
                    return .failed(failure)
                case .refused:
                    return .superseded
                case .unreachable:
                    // Not recorded: the chunk must not vanish with its file. Back to ready/
                    // for a later attempt (by whichever agent the database then counts as alive).
                    _ = try? spool.unclaim(chunk.name)
                    return .returned(failure)
                }
            }
        }
    }

    private func attemptChunk(_ chunk: Spool.ClaimedChunk, attempt: inout Int?) throws -> Outcome {
        let connection = try self.connection.live()
        let job: LedgerJob
        let current: Int
        switch try JobLedger(connection: connection).startChunk(job: chunk.jobId, index: chunk.chunkIndex, owner: chunk.owner) {
        case .alreadyDone: return try loadedElsewhere(chunk)
        case .abandoned: return .abandoned
        case .superseded: return .superseded
        case .load(let loading, let started):
            job = loading
            current = started
            attempt = started
        }
        var context = job.context()
        context.progressInterval = .milliseconds(settings.statusIntervalMilliseconds)
        // Names the chunk in pg_stat_activity, so that readers of the job see its COPY's
        // rows in pg_stat_progress_copy (JobLedger.rowProgress) while it loads.
        try connection.query(
            "SELECT set_config('application_name', $1, false)", JobLedger.applicationName(job: chunk.jobId, chunk: chunk.chunkIndex))
        defer { _ = try? connection.query("RESET application_name") }

        let finished: Loaded = try connection.transaction { connection in
            let ledger = JobLedger(connection: connection)
            switch try ledger.lockPendingChunk(job: chunk.jobId, index: chunk.chunkIndex, attempt: current) {
            case .done: return .alreadyDone
            case .superseded: return .superseded
            case .current: break
            }
            // Gone from under our claimed name: another agent took the claim back, counting
            // this process as lost. It is theirs to load.
            guard let source = try? FileByteSource(path: chunk.path) else { return .superseded }
            let mapper = try importer.makeMapper(header: context.header)
            let statement = try importer.beginChunk(connection, job: context)
            let copied: Int
            let rows = ChunkRows(mapper: mapper, chunk: chunk.chunkIndex) {
                CSVScanner(source: try source.rewound(), options: CSVScannerOptions(delimiter: context.delimiter))
            }
            var encoding: I.Encoding?
            do {
                copied = try connection.copyIn(statement) { writer in
                    encoding = try importer.encodeChunk(job: context, into: &writer, rows: rows)
                }
            } catch let error as PostgresError {
                if let copyLine = error.copyLine, copyLine >= 1,
                    let line = encoding?.uploadLine(ofCopyRow: copyLine)
                        ?? (try? Self.uploadLine(ofRecord: copyLine, in: chunk.path, delimiter: context.delimiter))
                {
                    throw LocatedError(error: error, line: line)
                }
                throw error
            }
            // The COPY ended well, so the encoder returned.
            guard let encoding else { preconditionFailure("a chunk's COPY ended without its encoder") }
            let counts = try importer.endChunk(connection, job: context, copiedRows: copied, encoding: encoding)
            let progress = try ledger.completeChunk(job: chunk.jobId, index: chunk.chunkIndex, inputRows: rows.count, counts: counts)
            return .loaded(lastChunk: progress.completed == progress.total)
        }
        let lastChunk: Bool
        switch finished {
        case .alreadyDone: return try loadedElsewhere(chunk)
        case .superseded: return .superseded
        case .loaded(let last): lastChunk = last
        }
        guard lastChunk else { return .loaded(finalized: false) }
        try Finalizer(importer: importer, settings: settings).finalize(job: chunk.jobId, connection: self.connection)
        return .loaded(finalized: true)
    }

    /// Another attempt loaded the chunk. The job's last step may still be due: the attempt that
    /// loaded the last chunk may have stopped before it (a host cut off, then killed), or its
    /// finalize may have given up on an unreachable database. Finalizing again is a no-op
    /// unless it is due.
    private func loadedElsewhere(_ chunk: Spool.ClaimedChunk) throws -> Outcome {
        try Finalizer(importer: importer, settings: settings).finalize(job: chunk.jobId, connection: connection)
        return .alreadyDone
    }

    /// Whether a chunk's failure reached the ledger.
    private enum Recorded {
        /// The chunk and its job are FAILED.
        case recorded
        /// The attempt was no longer the chunk's current one, or its claimant no longer alive.
        case refused
        /// The database could not be reached.
        case unreachable
    }

    private func recordFailure(_ failure: ImportFailure, chunk: Spool.ClaimedChunk, attempt: Int?) -> Recorded {
        guard let connection = try? connection.live(),
              let recorded = try? JobLedger(connection: connection).failChunk(
                  job: chunk.jobId, index: chunk.chunkIndex, attempt: attempt, owner: chunk.owner, failure)
        else {
            self.connection.reset()
            return .unreachable
        }
        return recorded ? .recorded : .refused
    }

    /// What the chunk's transaction did.
    private enum Loaded {
        case alreadyDone
        case superseded
        /// Committed; `lastChunk` when it was the job's last one to load.
        case loaded(lastChunk: Bool)
    }

    private func chunkFailure(_ error: any Error, chunk: Int) -> ImportFailure {
        switch error {
        case let located as LocatedError:
            return ImportFailure(
                code: .chunkFailed, message: "chunk \(chunk): \(located.error.description)", line: located.line, chunk: chunk,
                sqlState: located.error.sqlState)
        case let database as PostgresError:
            let retries = database.isTransient ? " (gave up after \(settings.maxAttempts) attempts)" : ""
            return ImportFailure(
                code: .chunkFailed, message: "chunk \(chunk): \(database.description)\(retries)", chunk: chunk,
                sqlState: database.sqlState)
        case var failure as ImportFailure:
            if failure.chunk == nil && failure.code != .finalizeFailed { failure.chunk = chunk }
            return failure
        default:
            var failure = ImportFailure.explaining(error)
            failure.chunk = chunk
            failure.message = "chunk \(chunk): \(failure.message)"
            return failure
        }
    }

    /// The upload line of the `number`-th record (from 1) of a chunk file: the line prefix
    /// the planner wrote, read again when a COPY error names a row. (Keeping every row's line
    /// while loading took memory in step with the chunk: peak RSS grew from 49 to 57 MB
    /// between a 1M- and a 5M-row Golden Components file with 2 workers.)
    static func uploadLine(ofRecord number: Int, in path: String, delimiter: CSVDelimiter) throws -> Int? {
        var seen = 0
        var line: Int?
        let scanner = CSVScanner(source: try FileByteSource(path: path), options: CSVScannerOptions(delimiter: delimiter))
        try scanner.forEachRecord { record in
            seen += 1
            if seen == number { line = Int(record.string(at: 0)) }
        }
        return line
    }

}

/// What became of one claimed chunk.
enum ChunkOutcome: Equatable {
    /// Loaded; `finalized` when this worker also ran the job's last step (published it, held
    /// it for approval, or ended its dry run).
    case loaded(finalized: Bool)
    /// Already DONE (a second claim of the same chunk): nothing written.
    case alreadyDone
    /// The job is no longer running: the chunk was dropped unwritten.
    case abandoned
    /// The claim was overtaken: the database no longer counts its claimant as alive, or a
    /// later attempt (another agent's) started. Nothing written; the file is left to that agent.
    case superseded
    /// The chunk failed and the job with it.
    case failed(ImportFailure)
    /// The chunk could not be loaded and the database could not be reached to say so: it is
    /// back in `ready/`, the job still running.
    case returned(ImportFailure)
}

/// Loads a claimed chunk of any job: looks up the job's type and options and hands the
/// chunk to a ``ChunkWorker`` of that importer.
struct ChunkDispatcher {
    let importers: ImporterRegistry
    let settings: PipelineSettings
    let spool: Spool
    let connection: WorkerConnection

    func process(_ chunk: Spool.ClaimedChunk) -> ChunkOutcome {
        let importer: any Importer
        do {
            guard let job = try JobLedger(connection: connection.live()).job(chunk.jobId) else {
                try? spool.release(chunk)
                return .abandoned  // the job is gone: the file is an orphan
            }
            importer = try job.importer(importers)
        } catch let failure as ImportFailure {
            try? spool.release(chunk)
            return .failed(failure)
        } catch {
            // The database is unreachable: give the chunk back for a later attempt.
            connection.reset()
            _ = try? spool.unclaim(chunk.name)
            return .returned(ImportFailure(code: .database, message: "\(error)", chunk: chunk.chunkIndex))
        }
        return load(chunk, with: importer)
    }

    private func load<I: Importer>(_ chunk: Spool.ClaimedChunk, with importer: I) -> ChunkOutcome {
        ChunkWorker(importer: importer, settings: settings, spool: spool, connection: connection).process(chunk)
    }
}

/// A database error while copying, with the file line of the row the server was reading.
struct LocatedError: Error {
    var error: PostgresError
    var line: Int
}
