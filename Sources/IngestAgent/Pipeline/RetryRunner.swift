import Importers
import IngestCore
import IngestPostgres

/// `nexus-ingest retry JOB` (DESIGN §3 Q5): finishes a FAILED job by running only what it
/// did not finish, in this process, with the same workers as `import`.
///
/// - A job whose plan was committed gets its unfinished chunks back: the planner reads the
///   upload again (it must still have the SHA-256 the job recorded) and rewrites exactly
///   those chunk files — same partitions, same delimiter, same bytes — the ledger puts them
///   back to PENDING and the job to RUNNING, and the workers load them; chunks already DONE
///   are never loaded twice. With every chunk DONE, only finalize runs again.
/// - A job that failed before its plan was committed (e.g. the spool's disk was full) has
///   nothing to resume: its file is planned again as a new job.
public struct RetryRunner: Sendable {
    private let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// What `retry` did.
    public enum Outcome: Sendable {
        /// The job itself ran again; its final state.
        case resumed(JobSnapshot)
        /// The job had no committed plan: its file became the new job in this snapshot.
        case replanned(JobSnapshot)
    }

    /// Retries `job`.
    /// - Throws: ``ImportFailure/Code/precondition`` when the job does not exist, is not
    ///   FAILED, its data was garbage-collected, another retry runs, or its file is gone or
    ///   changed.
    public func run(job: Int64, createdBy: String, onProgress: @escaping (JobSnapshot) -> Void = { _ in }) throws -> Outcome {
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        let store = JobStore(connection: connection)
        guard let row = try connection.query(
            """
            SELECT type, status, csv_path, meta_json::text, total_chunks, file_sha256, file_size, collected_at IS NOT NULL
            FROM import_job WHERE id = $1
            """, job
        ).first else {
            throw ImportFailure(code: .precondition, message: "there is no job \(job)")
        }
        let status = try row.require(1, as: String.self)
        guard status == JobStatus.failed.rawValue else {
            throw ImportFailure(code: .precondition, message: "job \(job) is \(status); only a FAILED job can be retried")
        }
        guard try row.require(7, as: Bool.self) == false else {
            throw ImportFailure(
                code: .precondition,
                message: "job \(job) cannot be retried: gc has removed its partial data; import the file again")
        }
        guard let type = ImportType(rawValue: try row.require(0, as: String.self)),
            let path = try row.decode(2, as: String.self)
        else {
            throw ImportFailure(code: .precondition, message: "job \(job) names no file to read again")
        }
        let meta = JSONText.decode(try row.decode(3, as: String.self)) ?? .null
        let options = ImportOptions(json: meta["options"])
        guard try row.decode(4, as: Int.self) != nil else {
            let snapshot = try ImportRunner(configuration: configuration).run(
                path: path, type: type, options: options, force: true, createdBy: createdBy, onProgress: onProgress)
            return .replanned(snapshot)
        }

        let resume = Resume(
            configuration: configuration, connection: connection, job: job, path: path, meta: meta, options: options,
            sha256: try row.decode(5, as: String.self), size: try row.decode(6, as: Int64.self) ?? -1)
        let resumed = try connection.withTryAdvisoryLock("nexus-ingest retry \(configuration.databaseSchema) \(job)") {
            try resume.run(type: type, store: store, onProgress: onProgress)
        }
        guard let resumed else {
            throw ImportFailure(code: .precondition, message: "another process is retrying job \(job) right now")
        }
        return .resumed(resumed)
    }

    /// Rewrites the unfinished chunks, puts the job back to RUNNING, and runs it to its end.
    private struct Resume: ImporterVisitor {
        let configuration: AgentConfiguration
        let connection: PostgresConnection
        let job: Int64
        let path: String
        let meta: JSONValue
        let options: ImportOptions
        let sha256: String?
        let size: Int64

        func run(type: ImportType, store: JobStore, onProgress: @escaping (JobSnapshot) -> Void) throws -> JobSnapshot {
            try ImporterRegistry.visit(type, options: options, self)
            let settings = configuration.pipeline
            let spool = Spool(root: settings.spoolDirectory)
            let publisher = StatusPublisher(store: store, job: job, intervalMilliseconds: settings.statusIntervalMilliseconds, onChange: onProgress)
            publisher.publish(force: true)
            let owner = "\(Files.hostName()):\(processID)"
            if try connection.query("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND state = 'PENDING'", job)
                .first!.require(0, as: Int.self) > 0
            {
                ImportRunner(configuration: configuration).runWorkers(job: job, owner: owner, store: store, publisher: publisher)
            } else {
                try? ImporterRegistry.visit(type, options: options, FinalizeVisitor(job: job, settings: settings, connection: connection))
            }
            try? spool.discard(job: job)
            publisher.publish(force: true)
            return try store.snapshot(job)!
        }

        /// Rewrites the unfinished chunks and puts the job back to RUNNING.
        func visit<I: Importer>(_ importer: I) throws {
            let settings = configuration.pipeline
            let spool = Spool(root: settings.spoolDirectory)
            let unfinished = try connection.query(
                "SELECT chunk_index, input_rows, byte_size FROM import_chunk WHERE import_job_id = $1 AND state <> 'DONE' ORDER BY chunk_index",
                job
            ).rows.map { (try $0.require(0, as: Int.self), try $0.decode(1, as: Int.self), try $0.decode(2, as: Int64.self)) }
            if !unfinished.isEmpty {
                guard let probe = FileProbe.probe(path), probe.kind == .regular, probe.size == size else {
                    throw ImportFailure(
                        code: .precondition,
                        message: "\(path) is gone or no longer the file job \(job) planned; import it again")
                }
                guard let partitions = meta["partitions"]?.intValue else {
                    throw ImportFailure(code: .internalError, message: "job \(job) has no partitions in its plan")
                }
                let wanted = Set(unfinished.map(\.0))
                try? Files.removeDirectory(spool.tmpDirectory(job: job))
                let planner = Planner(importer: importer, options: options, settings: settings, spool: spool, connection: connection)
                // The delimiter the workers read the chunks with.
                let delimiter = ChunkWorker<I>.context(job: job, meta: meta).delimiter
                // Plans made before the partition function was recorded used the first one.
                let recorded = meta["partitionFunction"]?.stringValue ?? PartitionFunction.fnvModulo.rawValue
                guard let partitionFunction = PartitionFunction(rawValue: recorded) else {
                    throw ImportFailure(
                        code: .precondition,
                        message: "job \(job) was planned with partition function '\(recorded)', unknown to this nexus-ingest; retry it with the version that planned it")
                }
                let pass = try planner.writeChunks(
                    job: job, path: path, fileSize: size, partitions: partitions, partitionFunction: partitionFunction,
                    delimiter: delimiter, keep: { wanted.contains($0) }, rejects: nil, progress: { _ in })
                let rewritten = unfinished.allSatisfy { chunk in
                    chunk.1.map { pass.rowCounts[chunk.0] == $0 } ?? true && chunk.2.map { pass.byteCounts[chunk.0] == $0 } ?? true
                }
                guard pass.sha256 == sha256, rewritten else {
                    try? Files.removeDirectory(spool.tmpDirectory(job: job))
                    throw ImportFailure(
                        code: .precondition,
                        message: "\(path) changed since job \(job) planned it (its content differs); import it again")
                }
            }
            try connection.transaction { connection in
                try connection.query(
                    """
                    UPDATE import_chunk SET state = 'PENDING', last_error = NULL, updated_at = now()
                    WHERE import_job_id = $1 AND state <> 'DONE'
                    """, job)
                let resumed = try connection.query(
                    """
                    UPDATE import_job SET status = 'RUNNING', error_json = NULL, finished_at = NULL, updated_at = now(),
                        progress = LEAST(90, 10 + floor(80.0 * completed_chunks / GREATEST(total_chunks, 1))::int),
                        message = $2
                    WHERE id = $1 AND status = 'FAILED'
                    """, job, "Retrying: \(unfinished.count) chunk(s) to load")
                guard resumed.affectedRows == 1 else {
                    throw ImportFailure(code: .precondition, message: "job \(job) changed while it was being retried")
                }
            }
            if !unfinished.isEmpty { try spool.publish(job: job, chunkIndexes: unfinished.map(\.0)) }
        }
    }
}
