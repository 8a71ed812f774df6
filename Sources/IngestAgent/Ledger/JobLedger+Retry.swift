import Importers
import IngestPostgres

/// `nexus-ingest retry` of a FAILED job (DESIGN §7).
extension JobLedger {
    /// The chunks of `job` not yet DONE: index, planned rows and bytes.
    func unfinishedChunks(_ job: Int64) throws -> [(index: Int, rows: Int?, bytes: Int64?)] {
        try connection.query(
            "SELECT chunk_index, input_rows, byte_size FROM import_chunk WHERE import_job_id = $1 AND state <> 'DONE' ORDER BY chunk_index",
            job
        ).rows.map { (try $0.require(0, as: Int.self), try $0.decode(1, as: Int.self), try $0.decode(2, as: Int64.self)) }
    }

    /// How many chunks of `job` wait to be loaded.
    func pendingChunkCount(_ job: Int64) throws -> Int {
        try connection.query("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND state = 'PENDING'", job)
            .first!.require(0, as: Int.self)
    }

    /// Puts the unfinished chunks back to PENDING and the FAILED job back to RUNNING, owned by
    /// `owner`, in one transaction.
    /// - Throws: ``ImportFailure`` when the job is no longer FAILED.
    func resume(_ job: Int64, message: String, owner: ClaimOwner) throws {
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
                    message = $2, owner = $3, agent_id = $4
                WHERE id = $1 AND status = 'FAILED'
                """, job, message, owner.process.description, owner.agent)
            guard resumed.affectedRows == 1 else {
                throw ImportFailure(code: .precondition, message: "job \(job) changed while it was being retried")
            }
        }
    }
}
