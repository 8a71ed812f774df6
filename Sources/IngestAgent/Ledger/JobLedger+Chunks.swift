import Importers
import IngestCore
import IngestPostgres

/// Loading chunks (DESIGN §1.4): a chunk's attempt, its lock, its DONE with the job's
/// progress, or its failure with the job's.
extension JobLedger {
    /// What a worker may do with a claimed chunk.
    enum ChunkStart {
        /// The chunk is DONE already (a second claim): nothing to write.
        case alreadyDone
        /// The job is no longer running: the chunk was marked ABANDONED.
        case abandoned
        /// The claimant is no longer alive in the database's eyes (its presence was lost and
        /// another agent may have the chunk now): it must not load it.
        case superseded
        /// Load it, for this job, as attempt `attempt`.
        case load(LedgerJob, attempt: Int)
    }

    /// Counts an attempt at chunk `index` of `job` by `owner` (outside the chunk's
    /// transaction, so that it survives a rollback) and says whether to load it. Only a live
    /// registered owner starts an attempt; the load then counts only while the attempt is the
    /// chunk's current one (``lockPendingChunk(job:index:attempt:)``).
    func startChunk(job: Int64, index: Int, owner: ClaimOwner) throws -> ChunkStart {
        let claimed = try connection.query(
            """
            UPDATE import_chunk SET attempts = attempts + 1, owner = $3, agent_id = $4, started_at = now(), updated_at = now()
            WHERE import_job_id = $1 AND chunk_index = $2 AND state = 'PENDING'
              AND ($4::bigint IS NULL OR \(AgentRegistry.isLive("$4")))
            RETURNING attempts
            """, job, index, owner.description, owner.agent)
        guard let attempt = try claimed.first?.require(0, as: Int.self) else {
            let state = try connection.query(
                "SELECT state FROM import_chunk WHERE import_job_id = $1 AND chunk_index = $2", job, index
            ).first?[0]
            return state == "PENDING" ? .superseded : .alreadyDone
        }
        guard let row = try self.job(job), row.status == .running else {
            try connection.query(
                "UPDATE import_chunk SET state = 'ABANDONED', updated_at = now() WHERE import_job_id = $1 AND chunk_index = $2 AND state = 'PENDING'",
                job, index)
            return .abandoned
        }
        return .load(row, attempt: attempt)
    }

    /// What the chunk's row says once locked.
    enum ChunkLock {
        /// PENDING, and `attempt` is its current attempt: load it.
        case current
        /// No longer PENDING: another attempt loaded it.
        case done
        /// A later attempt started (another agent took the chunk over): this one must not count.
        case superseded
    }

    /// Locks chunk `index` of `job` for the caller's transaction and says whether attempt
    /// `attempt` may load it. A late load from a host that was partitioned away (its attempt
    /// was overtaken by the agent that took over) ends here.
    func lockPendingChunk(job: Int64, index: Int, attempt: Int) throws -> ChunkLock {
        let row = try connection.query(
            "SELECT state, attempts FROM import_chunk WHERE import_job_id = $1 AND chunk_index = $2 FOR UPDATE", job, index
        ).first
        guard let row, row[0] == "PENDING" else { return .done }
        return try row.require(1, as: Int.self) == attempt ? .current : .superseded
    }

    /// Marks the chunk DONE with its counts (`inputRows`: the records of its file) and moves the job's progress on (by rows: chunks
    /// differ in size), in the caller's transaction; returns the job's completed and total
    /// chunks.
    /// - Throws: ``ImportFailure`` when the job stopped running meanwhile.
    func completeChunk(job: Int64, index: Int, inputRows: Int, counts: ChunkCounts) throws -> (completed: Int, total: Int) {
        try connection.query(
            """
            UPDATE import_chunk SET state = 'DONE', input_rows = $3, written_rows = $4, stats_json = $5::jsonb,
                finished_at = now(), updated_at = now()
            WHERE import_job_id = $1 AND chunk_index = $2
            """,
            job, index, inputRows, counts.writtenRows, JSONText.string(counts.stats.mapValues { JSONValue.int(Int64($0)) }))
        let progress = try connection.query(
            """
            UPDATE import_job j SET completed_chunks = j.completed_chunks + 1,
                progress = LEAST(90, 10 + floor(80.0 * CASE WHEN r.total > 0 THEN r.done::numeric / r.total
                                                      ELSE (j.completed_chunks + 1)::numeric / j.total_chunks END)::int),
                message = 'Loaded ' || (j.completed_chunks + 1) || '/' || j.total_chunks || ' chunk(s)',
                updated_at = now()
            FROM (SELECT coalesce(sum(input_rows) FILTER (WHERE state = 'DONE'), 0) AS done, coalesce(sum(input_rows), 0) AS total
                  FROM import_chunk WHERE import_job_id = $1) r
            WHERE j.id = $1 AND j.status = 'RUNNING'
            RETURNING j.completed_chunks, j.total_chunks
            """, job)
        guard let counters = progress.first else {
            throw ImportFailure(code: .chunkFailed, message: "job \(job) stopped running while chunk \(index) loaded", chunk: index)
        }
        return (try counters.require(0, as: Int.self), try counters.require(1, as: Int.self))
    }

    /// Records the chunk FAILED (unless it committed: a finalize that failed after it leaves
    /// it DONE) and fails its job; nothing, and false, when `attempt` is no longer the chunk's
    /// current one or `owner` is no longer alive (a host that was partitioned away fails nothing).
    @discardableResult
    func failChunk(job: Int64, index: Int, attempt: Int?, owner: ClaimOwner, _ failure: ImportFailure) throws -> Bool {
        // One statement decides, so that no takeover can slip between a check and the write.
        let failed = try connection.query(
            """
            UPDATE import_chunk SET state = 'FAILED', last_error = $3::jsonb, updated_at = now()
            WHERE import_job_id = $1 AND chunk_index = $2 AND state <> 'DONE'
              AND ($4::int IS NULL OR attempts = $4) AND ($5::bigint IS NULL OR \(AgentRegistry.isLive("$5")))
            """, job, index, JSONText.string(failure.json), attempt, owner.agent)
        if failed.affectedRows == 0 {
            // A DONE chunk (its finalize failed after it) fails the job all the same, unless its
            // claimant is gone.
            let done = try connection.query(
                """
                SELECT state = 'DONE' AND ($3::bigint IS NULL OR \(AgentRegistry.isLive("$3")))
                FROM import_chunk WHERE import_job_id = $1 AND chunk_index = $2
                """, job, index, owner.agent
            ).first?.require(0, as: Bool.self)
            guard done ?? (owner.agent == nil) else { return false }
        }
        try fail(job, failure)
        return true
    }
}
