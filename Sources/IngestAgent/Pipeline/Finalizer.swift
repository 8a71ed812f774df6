import Importers
import IngestCore
import IngestPostgres

/// The last step of a job whose chunks are all loaded, in one transaction with the job's new
/// state (DESIGN §1.5): the importer's ``Importer/build(_:job:)`` and
/// ``Importer/diff(_:job:)`` against what is current, then
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
                guard let locked = try JobLedger(connection: connection).job(job, forUpdate: true), locked.status == .running,
                      locked.allChunksDone, !locked.isHeld
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
            try importer.discard(connection, job: locked.context())
            let reason = locked.result["waiting"]?["reason"]?.stringValue ?? "held"
            let failure = ImportFailure(code: .discarded, message: "Discarded by an operator while waiting for approval (\(reason)); nothing was published")
            var result = locked.result
            result["waiting"] = nil
            try JobLedger(connection: connection).discardHeld(job, failure: failure, result: result)
        }
    }

    // MARK: - Steps

    /// The job, locked, if it is held for approval.
    private func held(_ job: Int64, _ connection: PostgresConnection) throws -> LedgerJob {
        guard let locked = try JobLedger(connection: connection).job(job, forUpdate: true) else {
            throw HeldJobError(job: job, message: "job \(job) does not exist")
        }
        guard locked.status == .running, locked.isHeld else {
            let state = locked.status?.rawValue ?? "unknown"
            throw HeldJobError(job: job, message: "job \(job) is not waiting for approval (it is \(state))")
        }
        return locked
    }

    /// Build and diff, then publish, hold or (dry run) discard.
    private func finish(_ job: LedgerJob, connection: PostgresConnection) throws {
        let policy = job.options.publish
        let context = job.context()
        try importer.build(connection, job: context)
        let diff = try importer.diff(connection, job: context)
        var result: [String: JSONValue] = [:]
        if let diff { result["diff"] = diff.json }
        let plan = context.plan
        let loadedRows = (plan["dataRows"] ?? 0) - Int(job.rejects) - (plan["skippedRows"] ?? 0)
        if policy.mode == .dryRun {
            try importer.discard(connection, job: context)
            result["dryRun"] = true
            try succeed(job, result: result, message: "Dry run: the \(importer.type.cliName) import would succeed; nothing was published", connection: connection)
            return
        }
        if let hold = PublishHold.check(policy: policy, diff: diff, loadedRows: loadedRows) {
            result["waiting"] = hold.json(job: job.id)
            try JobLedger(connection: connection).hold(job.id, result: try counted(result, job, connection), message: hold.message(job: job.id))
            return
        }
        try publish(job, result: result, message: "\(importer.type.cliName) import complete", connection: connection)
    }

    /// The importer's publish, and the job SUCCEEDED with `result` and the publish's members.
    private func publish(_ job: LedgerJob, result: [String: JSONValue], message: String, connection: PostgresConnection) throws {
        var result = result
        let stats = try JobLedger(connection: connection).chunkStats(job.id)
        result.merge(try importer.finalize(connection, job: job.context(chunkStats: stats))) { $1 }
        try succeed(job, result: result, message: message, connection: connection)
    }

    /// Marks the job SUCCEEDED with `result` (counted) and `message`.
    private func succeed(_ job: LedgerJob, result: [String: JSONValue], message: String, connection: PostgresConnection) throws {
        try JobLedger(connection: connection).succeed(job.id, result: try counted(result, job, connection), message: message)
    }

    /// `result` with the chunks' summed statistics and the plan's row counts.
    private func counted(_ result: [String: JSONValue], _ job: LedgerJob, _ connection: PostgresConnection) throws -> [String: JSONValue] {
        var result = result
        for (key, sum) in try JobLedger(connection: connection).chunkStats(job.id) { result[key] = .int(Int64(sum)) }
        let plan = job.context().plan
        result["rejectedRows"] = .int(job.rejects)
        result["skippedRows"] = .int(Int64(plan["skippedRows"] ?? 0))
        result["dataRows"] = .int(Int64(plan["dataRows"] ?? 0))
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
                if let live = try? connection.live() { _ = try? JobLedger(connection: live).fail(job, failure) }
                throw failure
            }
        }
    }
}

/// Finalizes `job`, whose chunks are all DONE, with the importer its type names (recovery after
/// a crash, `retry` after a failed finalize).
func finalize(_ job: LedgerJob, importers: ImporterRegistry, settings: PipelineSettings, connection: PostgresConnection) throws {
    func run<I: Importer>(_ importer: I) throws {
        try Finalizer(importer: importer, settings: settings).finalize(job: job.id, connection: WorkerConnection { connection })
    }
    try run(try job.importer(importers))
}
