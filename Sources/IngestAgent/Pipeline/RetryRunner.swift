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
        let ledger = JobLedger(connection: connection)
        guard let failed = try ledger.job(job) else {
            throw ImportFailure(code: .precondition, message: "there is no job \(job)")
        }
        guard failed.status == .failed else {
            throw ImportFailure(
                code: .precondition, message: "job \(job) is \(failed.status?.rawValue ?? "unknown"); only a FAILED job can be retried")
        }
        guard !failed.collected else {
            throw ImportFailure(
                code: .precondition,
                message: "job \(job) cannot be retried: gc has removed its partial data; import the file again")
        }
        let importer = try failed.importer(configuration.importers)
        guard let path = failed.csvPath else {
            throw ImportFailure(code: .precondition, message: "job \(job) names no file to read again")
        }
        guard failed.totalChunks != nil else {
            let snapshot = try ImportRunner(configuration: configuration).run(
                path: path, type: importer.type, options: failed.options, force: true, createdBy: createdBy, onProgress: onProgress)
            return .replanned(snapshot)
        }
        let resumed = try connection.withTryAdvisoryLock("nexus-ingest retry \(configuration.databaseSchema) \(job)") {
            // Registered before the job runs again, and its owner from the moment it does: no
            // agent takes the resumed job for one whose owner is gone.
            let presence = Presence(kind: "retry", configuration: configuration)
            let owner = try presence.register()
            defer { presence.end() }
            try rewrite(failed, path: path, with: importer, owner: owner, connection: connection)
            return try finish(failed, presence: presence, connection: connection, onProgress: onProgress)
        }
        guard let resumed else {
            throw ImportFailure(code: .precondition, message: "another process is retrying job \(job) right now")
        }
        return .resumed(resumed)
    }

    /// Runs the resumed job to its end: its chunks with the workers of `import`, or, with
    /// every chunk DONE, only its finalize.
    private func finish(
        _ job: LedgerJob, presence: Presence, connection: PostgresConnection, onProgress: @escaping (JobSnapshot) -> Void
    ) throws -> JobSnapshot {
        let ledger = JobLedger(connection: connection)
        let settings = configuration.pipeline
        let spool = Spool(root: settings.spoolDirectory)
        let publisher = StatusPublisher(ledger: ledger, job: job.id, intervalMilliseconds: settings.statusIntervalMilliseconds, onChange: onProgress)
        publisher.publish(force: true)
        if try ledger.pendingChunkCount(job.id) > 0 {
            ImportRunner(configuration: configuration).runWorkers(job: job.id, presence: presence, ledger: ledger, publisher: publisher)
        } else {
            try? finalize(job, importers: configuration.importers, settings: settings, connection: connection)
        }
        let ended = try ledger.snapshot(job.id)!
        // A job still running is an agent's now (it took the job over): its chunks stay.
        if ended.status.isFinal { try? spool.discard(job: job.id) }
        publisher.publish(force: true)
        return ended
    }

    /// Rewrites the unfinished chunks and puts the job back to RUNNING.
    private func rewrite<I: Importer>(_ job: LedgerJob, path: String, with importer: I, owner: ClaimOwner, connection: PostgresConnection) throws {
        let settings = configuration.pipeline
        let spool = Spool(root: settings.spoolDirectory)
        let ledger = JobLedger(connection: connection)
        let unfinished = try ledger.unfinishedChunks(job.id)
        if !unfinished.isEmpty {
            guard let probe = FileProbe.probe(path), probe.kind == .regular, probe.size == (job.fileSize ?? -1) else {
                throw ImportFailure(
                    code: .precondition,
                    message: "\(path) is gone or no longer the file job \(job.id) planned; import it again")
            }
            guard let partitions = job.meta["partitions"]?.intValue else {
                throw ImportFailure(code: .internalError, message: "job \(job.id) has no partitions in its plan")
            }
            let wanted = Set(unfinished.map(\.index))
            try? Files.removeDirectory(spool.tmpDirectory(job: job.id))
            // Plans made before the partition function was recorded used the first one.
            let recorded = job.meta["partitionFunction"]?.stringValue ?? PartitionFunction.fnvModulo.rawValue
            guard let partitionFunction = PartitionFunction(rawValue: recorded) else {
                throw ImportFailure(
                    code: .precondition,
                    message: "job \(job.id) was planned with partition function '\(recorded)', unknown to this nexus-ingest; retry it with the version that planned it")
            }
            // The delimiter the workers read the chunks with.
            let pass = try ChunkPassWriter(importer: importer, settings: settings, spool: spool).writeChunks(
                job: job.id, path: path, fileSize: job.fileSize ?? 0, partitions: partitions, partitionFunction: partitionFunction,
                delimiter: job.context().delimiter, keep: { wanted.contains($0) }, rejects: nil, progress: { _ in })
            let rewritten = unfinished.allSatisfy { chunk in
                chunk.rows.map { pass.rowCounts[chunk.index] == $0 } ?? true && chunk.bytes.map { pass.byteCounts[chunk.index] == $0 } ?? true
            }
            guard pass.sha256 == job.sha256, rewritten else {
                try? Files.removeDirectory(spool.tmpDirectory(job: job.id))
                throw ImportFailure(
                    code: .precondition,
                    message: "\(path) changed since job \(job.id) planned it (its content differs); import it again")
            }
        }
        try ledger.resume(job.id, message: "Retrying: \(unfinished.count) chunk(s) to load", owner: owner)
        if !unfinished.isEmpty { try spool.publish(job: job.id, chunkIndexes: unfinished.map(\.index)) }
    }
}
