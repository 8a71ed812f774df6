import Importers
import IngestCore
import IngestPostgres

/// Loads claimed chunks (DESIGN §1.4) and runs the finalize step after the last one.
///
/// One transaction per chunk: lock the chunk's ledger row (a chunk already DONE is skipped,
/// so a chunk claimed twice is written once), `COPY` its rows through the importer, mark it
/// DONE with its counts, and bump the job's `completed_chunks` and progress in the same
/// statement. Transient database errors retry the chunk with exponential backoff on a fresh
/// connection, up to `retry.max_attempts`; anything else fails the job, and the job's other
/// chunks are then abandoned unwritten.
final class ChunkWorker<I: Importer> {
    typealias Outcome = ChunkOutcome

    private let importer: I
    private let settings: PipelineSettings
    private let spool: Spool
    private let owner: String
    private let connection: WorkerConnection

    init(importer: I, settings: PipelineSettings, spool: Spool, owner: String, connection: WorkerConnection) {
        self.importer = importer
        self.settings = settings
        self.spool = spool
        self.owner = owner
        self.connection = connection
    }

    /// Loads `chunk`, retrying transient failures, and finalizes the job after its last chunk.
    func process(_ chunk: Spool.ClaimedChunk) -> Outcome {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let outcome = try attemptChunk(chunk)
                try? spool.release(chunk)
                return outcome
            } catch let error as PostgresError where error.isTransient && attempt < settings.maxAttempts {
                connection.reset()
                sleepMilliseconds(settings.backoffMilliseconds(attempt: attempt))
            } catch {
                let failure = chunkFailure(error, chunk: chunk.chunkIndex)
                recordFailure(failure, chunk: chunk)
                try? spool.release(chunk)
                return .failed(failure)
            }
        }
    }

    private func attemptChunk(_ chunk: Spool.ClaimedChunk) throws -> Outcome {
        let connection = try self.connection.live()
        let job: LedgerJob
        switch try JobLedger(connection: connection).startChunk(job: chunk.jobId, index: chunk.chunkIndex, owner: owner) {
        case .alreadyDone: return .alreadyDone
        case .abandoned: return .abandoned
        case .load(let loading): job = loading
        }
        let context = job.context()
        // Names the chunk in pg_stat_activity, so that readers of the job see its COPY's
        // rows in pg_stat_progress_copy (JobLedger.rowProgress) while it loads.
        try connection.query(
            "SELECT set_config('application_name', $1, false)", JobLedger.applicationName(job: chunk.jobId, chunk: chunk.chunkIndex))
        defer { _ = try? connection.query("RESET application_name") }

        let finished: (completed: Int, total: Int)? = try connection.transaction { connection in
            let ledger = JobLedger(connection: connection)
            guard try ledger.lockPendingChunk(job: chunk.jobId, index: chunk.chunkIndex) else { return nil }
            let mapper = try importer.makeMapper(header: context.header)
            let statement = try importer.beginChunk(connection, job: context)
            let copied: Int
            do {
                copied = try connection.copyIn(statement) { writer in
                    let scanner = CSVScanner(source: try FileByteSource(path: chunk.path), options: CSVScannerOptions(delimiter: context.delimiter))
                    try scanner.forEachRecord { record in
                        let line = Int(record.string(at: 0)) ?? 0
                        guard case .accept(let mapped) = mapper.map(record, firstField: 1) else {
                            throw ImportFailure(code: .chunkFailed, message: "a planned row no longer maps", line: line, chunk: chunk.chunkIndex)
                        }
                        try importer.encode(mapped, line: line, job: context, into: &writer)
                    }
                }
            } catch let error as PostgresError {
                if let copyLine = error.copyLine, copyLine >= 1,
                    let line = try? Self.uploadLine(ofRecord: copyLine, in: chunk.path, delimiter: context.delimiter)
                {
                    throw LocatedError(error: error, line: line)
                }
                throw error
            }
            let counts = try importer.endChunk(connection, job: context, copiedRows: copied)
            return try ledger.completeChunk(job: chunk.jobId, index: chunk.chunkIndex, copiedRows: copied, counts: counts)
        }
        guard let finished else { return .alreadyDone }
        guard finished.completed == finished.total else { return .loaded(finalized: false) }
        try Finalizer(importer: importer, settings: settings).finalize(job: chunk.jobId, connection: self.connection)
        return .loaded(finalized: true)
    }

    private func recordFailure(_ failure: ImportFailure, chunk: Spool.ClaimedChunk) {
        guard let connection = try? connection.live() else { return }
        try? JobLedger(connection: connection).failChunk(job: chunk.jobId, index: chunk.chunkIndex, failure)
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
    /// The chunk failed and the job with it.
    case failed(ImportFailure)
}

/// Loads a claimed chunk of any job: looks up the job's type and options and hands the
/// chunk to a ``ChunkWorker`` of that importer.
struct ChunkDispatcher {
    let importers: ImporterRegistry
    let settings: PipelineSettings
    let spool: Spool
    let owner: String
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
            _ = try? Files.rename(chunk.path, to: spool.readyDirectory + "/" + Spool.chunkFileName(job: chunk.jobId, index: chunk.chunkIndex))
            return .failed(ImportFailure(code: .database, message: "\(error)", chunk: chunk.chunkIndex))
        }
        return load(chunk, with: importer)
    }

    private func load<I: Importer>(_ chunk: Spool.ClaimedChunk, with importer: I) -> ChunkOutcome {
        ChunkWorker(importer: importer, settings: settings, spool: spool, owner: owner, connection: connection).process(chunk)
    }
}

/// A database error while copying, with the file line of the row the server was reading.
struct LocatedError: Error {
    var error: PostgresError
    var line: Int
}
