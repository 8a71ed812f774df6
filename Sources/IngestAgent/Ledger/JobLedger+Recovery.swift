import IngestPostgres

/// What recovery after a crash reads and changes (DESIGN §1, §7).
extension JobLedger {
    /// A chunk's state, and whether it started longer than `leaseSeconds` ago; nil when the
    /// ledger does not know the chunk.
    func chunkClaim(job: Int64, index: Int, leaseSeconds: Int) throws -> (state: String, expired: Bool)? {
        try connection.query(
            """
            SELECT state, coalesce(started_at < now() - $3::bigint * INTERVAL '1 second', true)
            FROM import_chunk WHERE import_job_id = $1 AND chunk_index = $2
            """, job, index, leaseSeconds
        ).first.map { (try $0.require(0, as: String.self), try $0.require(1, as: Bool.self)) }
    }

    /// The jobs that have not ended, oldest first.
    func unfinishedJobs() throws -> [LedgerJob] {
        try connection.query(
            "SELECT \(LedgerJob.columns) FROM import_job WHERE status IN ('QUEUED', 'RUNNING') ORDER BY id"
        ).rows.map { try LedgerJob(row: $0) }
    }

    /// `owner` takes over a job whose process is gone.
    func adopt(_ job: Int64, owner: ClaimOwner) throws {
        try connection.query("UPDATE import_job SET owner = $2, agent_id = $3 WHERE id = $1", job, owner.process.description, owner.agent)
    }
}
