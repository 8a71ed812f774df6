import Importers
import IngestCore
import IngestPostgres

/// Runs an importer's finalize step and marks the job SUCCEEDED in the same transaction
/// (DESIGN §1.5): the publish and the job's final state become visible together.
struct Finalizer<I: Importer> {
    let importer: I
    let settings: PipelineSettings

    /// Finalizes `job` if it is RUNNING with every chunk done. Transient errors retry with
    /// backoff on a fresh connection; other errors fail the job and are rethrown (an
    /// ``ImportFailure`` the importer threw as it is, anything else as `finalizeFailed`).
    func finalize(job: Int64, connection: WorkerConnection) throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try finalizeOnce(job: job, connection: try connection.live())
                return
            } catch let error as PostgresError where error.isTransient && attempt < settings.maxAttempts {
                sleepMilliseconds(settings.backoffMilliseconds(attempt: attempt))
                connection.reset()
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

    private func finalizeOnce(job: Int64, connection: PostgresConnection) throws {
        try connection.transaction { connection in
            let row = try connection.query(
                """
                SELECT status, meta_json::text, rejects_count, completed_chunks = total_chunks
                FROM import_job WHERE id = $1 FOR UPDATE
                """, job)
            guard let row = row.first, row[0] == JobStatus.running.rawValue, try row.require(3, as: Bool.self) else { return }
            let meta = JSONText.decode(row[1]) ?? .null
            let context = ChunkWorker<I>.context(job: job, meta: meta)
            var result = try importer.finalize(connection, job: context)
            let stats = try connection.query(
                """
                SELECT key, sum(value::bigint) FROM import_chunk, jsonb_each_text(stats_json)
                WHERE import_job_id = $1 GROUP BY key
                """, job)
            for stat in stats.rows {
                result[try stat.require(0, as: String.self)] = .int(try stat.require(1, as: Int64.self))
            }
            result["rejectedRows"] = .int(try row.require(2, as: Int64.self))
            result["skippedRows"] = .int(Int64(context.plan["skippedRows"] ?? 0))
            result["dataRows"] = .int(Int64(context.plan["dataRows"] ?? 0))
            try connection.query(
                """
                UPDATE import_job SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(),
                    result_json = $2::jsonb, message = $3
                WHERE id = $1
                """, job, JSONText.string(JSONValue.object(result)), "\(importer.type.cliName) import complete")
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
