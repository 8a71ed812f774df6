import Importers
import IngestCore
import IngestPostgres

/// The last step of a job whose chunks are all loaded, in one transaction with the job's new
/// state (DESIGN §1.5): the importer's ``Importer/diff(_:job:)`` against what is current, then
/// by the job's ``PublishPolicy`` one of
/// - publish (``Importer/finalize(_:job:)``) and SUCCEEDED: the publish and the job's final
///   state become visible together;
/// - hold: a guard (or `publish: manual`) keeps the job RUNNING with its data loaded, its diff
///   and what it waits for in `result_json`, until ``approve(job:connection:)`` or
///   ``discard(job:connection:)`` (`nexus-ingest publish|discard JOB`);
/// - a dry run: the loaded data is removed (``Importer/discard(_:job:)``) and the job
///   SUCCEEDED with `dryRun: true`, nothing published.
struct Finalizer<I: Importer> {
    let importer: I
    let settings: PipelineSettings

    /// Finalizes `job` if it is RUNNING with every chunk done and not held. Transient errors
    /// retry with backoff on a fresh connection; other errors fail the job and are rethrown
    /// (an ``ImportFailure`` the importer threw as it is, anything else as `finalizeFailed`).
    func finalize(job: Int64, connection: WorkerConnection) throws {
        try withRetries(job: job, connection: connection) { connection in
            try connection.transaction { connection in
                guard let locked = try lock(job, connection), locked.status == .running, locked.allChunksDone,
                      locked.result["waiting"] == nil
                else { return }
                try finish(locked, connection: connection)
            }
        }
    }

    /// Publishes a held job (`nexus-ingest publish JOB`): the importer's usual checks apply, so
    /// if something else was published meanwhile the publish fails and so does the job.
    /// - Throws: ``HeldJobError`` when the job is not waiting for approval.
    func approve(job: Int64, connection: WorkerConnection) throws {
        try withRetries(job: job, connection: connection) { connection in
            try connection.transaction { connection in
                let locked = try held(job, connection)
                var result = locked.result
                result["waiting"] = nil
                result["approved"] = true
                try publish(locked, result: result, message: "\(importer.type.cliName) import complete (approved)", connection: connection)
            }
        }
    }

    /// Ends a held job FAILED (`nexus-ingest discard JOB`) and removes what it loaded; the job
    /// counts as collected (`retry` has nothing left to finish).
    /// - Throws: ``HeldJobError`` when the job is not waiting for approval.
    func discard(job: Int64, connection: PostgresConnection) throws {
        try connection.transaction { connection in
            let locked = try held(job, connection)
            try importer.discard(connection, job: locked.context)
            let reason = locked.result["waiting"]?["reason"]?.stringValue ?? "held"
            let failure = ImportFailure(code: .discarded, message: "Discarded by an operator while waiting for approval (\(reason)); nothing was published")
            var result = locked.result
            result["waiting"] = nil
            try connection.query(
                """
                UPDATE import_job SET status = 'FAILED', finished_at = now(), updated_at = now(), error_json = $2::jsonb,
                    message = $3, result_json = $4::jsonb, collected_at = now()
                WHERE id = $1
                """, job, JSONText.string(failure.json), "Import failed: \(failure.description)",
                JSONText.string(JSONValue.object(result)))
        }
    }

    // MARK: - Steps

    /// The job row, locked for this transaction.
    private struct LockedJob {
        var id: Int64
        var status: JobStatus?
        var allChunksDone: Bool
        var rejects: Int64
        var meta: JSONValue
        var result: [String: JSONValue]
        var context: JobContext
    }

    private func lock(_ job: Int64, _ connection: PostgresConnection) throws -> LockedJob? {
        guard let row = try connection.query(
            """
            SELECT status, meta_json::text, rejects_count, completed_chunks = total_chunks, result_json::text
            FROM import_job WHERE id = $1 FOR UPDATE
            """, job
        ).first else { return nil }
        let meta = JSONText.decode(row[1]) ?? .null
        var result: [String: JSONValue] = [:]
        if case .object(let members)? = JSONText.decode(row[4]) { result = members }
        return LockedJob(
            id: job, status: row[0].flatMap(JobStatus.init(rawValue:)), allChunksDone: try row.decode(3, as: Bool.self) ?? false,
            rejects: try row.require(2, as: Int64.self), meta: meta, result: result,
            context: ChunkWorker<I>.context(job: job, meta: meta))
    }

    /// The job, locked, if it is held for approval.
    private func held(_ job: Int64, _ connection: PostgresConnection) throws -> LockedJob {
        guard let locked = try lock(job, connection) else {
            throw HeldJobError(job: job, message: "job \(job) does not exist")
        }
        guard locked.status == .running, locked.result["waiting"] != nil else {
            let state = locked.status?.rawValue ?? "unknown"
            throw HeldJobError(job: job, message: "job \(job) is not waiting for approval (it is \(state))")
        }
        return locked
    }

    /// Diff, then publish, hold or (dry run) discard.
    private func finish(_ job: LockedJob, connection: PostgresConnection) throws {
        let policy = PublishPolicy(json: job.meta["options"]?["publish"])
        let diff = try importer.diff(connection, job: job.context)
        var result: [String: JSONValue] = [:]
        if let diff { result["diff"] = diff.json }
        let plan = job.context.plan
        let loadedRows = (plan["dataRows"] ?? 0) - Int(job.rejects) - (plan["skippedRows"] ?? 0)
        if policy.mode == .dryRun {
            try importer.discard(connection, job: job.context)
            result["dryRun"] = true
            try succeed(job, result: result, message: "Dry run: the \(importer.type.cliName) import would succeed; nothing was published", connection: connection)
            return
        }
        if let hold = PublishHold.check(policy: policy, diff: diff, loadedRows: loadedRows) {
            result["waiting"] = hold.json(job: job.id)
            try connection.query(
                "UPDATE import_job SET progress = 95, updated_at = now(), result_json = $2::jsonb, message = $3 WHERE id = $1",
                job.id, JSONText.string(JSONValue.object(try counted(result, job, connection))), hold.message(job: job.id))
            return
        }
        try publish(job, result: result, message: "\(importer.type.cliName) import complete", connection: connection)
    }

    /// The importer's publish, and the job SUCCEEDED with `result` and the publish's members.
    private func publish(_ job: LockedJob, result: [String: JSONValue], message: String, connection: PostgresConnection) throws {
        var result = result
        result.merge(try importer.finalize(connection, job: job.context)) { $1 }
        try succeed(job, result: result, message: message, connection: connection)
    }

    /// Marks the job SUCCEEDED with `result` (counted) and `message`.
    private func succeed(_ job: LockedJob, result: [String: JSONValue], message: String, connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE import_job SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(),
                result_json = $2::jsonb, message = $3
            WHERE id = $1
            """, job.id, JSONText.string(JSONValue.object(try counted(result, job, connection))), message)
    }

    /// `result` with the chunks' summed statistics and the plan's row counts.
    private func counted(_ result: [String: JSONValue], _ job: LockedJob, _ connection: PostgresConnection) throws -> [String: JSONValue] {
        var result = result
        let stats = try connection.query(
            """
            SELECT key, sum(value::bigint) FROM import_chunk, jsonb_each_text(stats_json)
            WHERE import_job_id = $1 GROUP BY key
            """, job.id)
        for stat in stats.rows {
            result[try stat.require(0, as: String.self)] = .int(try stat.require(1, as: Int64.self))
        }
        result["rejectedRows"] = .int(job.rejects)
        result["skippedRows"] = .int(Int64(job.context.plan["skippedRows"] ?? 0))
        result["dataRows"] = .int(Int64(job.context.plan["dataRows"] ?? 0))
        return result
    }

    /// Runs `body` on the live connection; transient errors retry with backoff on a fresh
    /// connection, other errors fail the job and are rethrown.
    private func withRetries(job: Int64, connection: WorkerConnection, _ body: (PostgresConnection) throws -> Void) throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try body(try connection.live())
                return
            } catch let error as PostgresError where error.isTransient && attempt < settings.maxAttempts {
                sleepMilliseconds(settings.backoffMilliseconds(attempt: attempt))
                connection.reset()
            } catch let error as HeldJobError {
                throw error  // about the request, not the job
            } catch {
                var failure = ImportFailure.explaining(error)
                // An importer's own ImportFailure is already worded for the operator (e.g.
                // "Price list CSV has no data rows"): it is kept as it is.
                if !(error is ImportFailure) {
                    failure.code = .finalizeFailed
                    failure.message = "finalize: \(failure.message)"
                }
                if let live = try? connection.live() { _ = try? JobStore(connection: live).fail(job, failure) }
                throw failure
            }
        }
    }
}

/// Runs ``Finalizer`` for a job whose chunks are all DONE, with whichever importer its type
/// names (recovery after a crash, `retry` after a failed finalize).
struct FinalizeVisitor: ImporterVisitor {
    let job: Int64
    let settings: PipelineSettings
    let connection: PostgresConnection

    func visit<I: Importer>(_ importer: I) throws {
        let connection = self.connection
        try Finalizer(importer: importer, settings: settings).finalize(job: job, connection: WorkerConnection { connection })
    }
}
