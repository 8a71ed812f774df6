import Importers
import IngestCore
import IngestPostgres

/// The job ledger: the one owner of `import_job` and `import_chunk` SQL (DESIGN §1). Its
/// state transitions are grouped by step: creating and planning jobs here, loading chunks
/// (`+Chunks`), finalizing and holding (`+Publishing`), recovery after a crash (`+Recovery`),
/// `retry` (`+Retry`), `gc` (`+Collection`) and rollbacks (`+Rollback`). Importers get what
/// they need of a job as a ``JobContext`` and never read these tables.
struct JobLedger {
    let connection: PostgresConnection

    /// A timestamptz column as RFC 3339 UTC text.
    static func ts(_ column: String) -> String {
        #"to_char("# + column + #" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
    }

    private static let selectColumns = """
        id, type, status, progress, message, csv_path, file_name, file_size, file_sha256, total_chunks,
        completed_chunks, rejects_count, meta_json::text, result_json::text, error_json::text,
        \(ts("created_at")), \(ts("started_at")), \(ts("updated_at")), \(ts("finished_at")), duplicate_of
        """

    /// Creates the job of an upload, RUNNING with `message`: its plan begins at once, so the
    /// job is created, started and described (`meta`) in one statement and one commit (three
    /// took 2.4–5.7 ms of a plan, timed inside the planner). `mtimeMicroseconds` and `owner`
    /// let the agent recognise the same file version and take the job over when its owner is
    /// gone.
    func createJob(
        type: ImportType, target: String, path: String, fileName: String, size: Int64, mtimeMicroseconds: Int64? = nil,
        owner: ClaimOwner? = nil, createdBy: String, message: String = "Planning", meta: JSONValue? = nil
    ) throws -> Int64 {
        let row = try connection.query(
            """
            INSERT INTO import_job
                (type, target, status, progress, message, csv_path, file_name, file_size, file_mtime, owner, agent_id, created_by,
                 started_at, meta_json)
            VALUES ($1, $2, 'RUNNING', 0, $10, $3, $4, $5,
                    TIMESTAMPTZ 'epoch' + $6::bigint * INTERVAL '1 microsecond', $7, $8, $9, now(), $11::jsonb)
            RETURNING id
            """,
            type.rawValue, target, path, fileName, size, mtimeMicroseconds, owner?.process.description, owner?.agent, createdBy,
            message, meta.map(JSONText.string)
        ).first!
        return try row.require(0, as: Int64.self)
    }

    /// The job that already handled this version of the file (same path, size and mtime),
    /// unless it was interrupted before its plan was committed or was a dry run.
    func jobForFileVersion(path: String, size: Int64, mtimeMicroseconds: Int64) throws -> Int64? {
        try connection.query(
            """
            SELECT id FROM import_job
            WHERE csv_path = $1 AND file_size = $2
              AND file_mtime = TIMESTAMPTZ 'epoch' + $3::bigint * INTERVAL '1 microsecond'
              AND NOT (status = 'FAILED' AND coalesce(error_json->>'code', '') = 'interrupted')
              AND NOT coalesce(meta_json->'options'->'publish'->>'mode' = 'dry-run', false)
            ORDER BY id DESC LIMIT 1
            """, path, size, mtimeMicroseconds
        ).first?.require(0, as: Int64.self)
    }

    /// The first job that imported content `sha256` as `type` into `target` successfully (a
    /// dry run imported nothing).
    func succeededJob(type: ImportType, target: String, sha256: String) throws -> Int64? {
        try connection.query(
            """
            SELECT id FROM import_job
            WHERE type = $1 AND target = $2 AND file_sha256 = $3 AND status = 'SUCCEEDED' AND duplicate_of IS NULL
              AND NOT coalesce((result_json->>'dryRun')::boolean, false)
            ORDER BY id LIMIT 1
            """, type.rawValue, target, sha256
        ).first?.require(0, as: Int64.self)
    }

    /// Ends a job whose content turned out to be imported already as a duplicate of
    /// `original`: SUCCEEDED, nothing imported again.
    func markDuplicate(_ job: Int64, of original: Int64, sha256: String) throws {
        try connection.query(
            """
            UPDATE import_job SET status = 'SUCCEEDED', progress = 100, started_at = coalesce(started_at, now()), finished_at = now(),
                updated_at = now(), duplicate_of = $2::bigint, file_sha256 = $3,
                message = 'Duplicate of job ' || $2::bigint::text || ': this content was imported already',
                result_json = jsonb_build_object('duplicateOf', $2::bigint)
            WHERE id = $1
            """, job, original, sha256)
    }

    /// Sets planning progress (0–10).
    func setProgress(_ job: Int64, progress: Int, message: String) throws {
        try connection.query(
            "UPDATE import_job SET progress = $2, message = $3, updated_at = now() WHERE id = $1 AND status = 'RUNNING'",
            job, progress, message)
    }

    /// One job as the pipeline's steps need it; with `forUpdate`, locked until the
    /// transaction ends. Nil when there is no such job.
    func job(_ id: Int64, forUpdate: Bool = false) throws -> LedgerJob? {
        try connection.query(
            """
            SELECT \(LedgerJob.columns) FROM import_job WHERE id = $1 \(forUpdate ? "FOR UPDATE" : "")
            """, id
        ).first.map(LedgerJob.init(row:))
    }

    /// Records on the job the project, company and estimate version its `prepare` bound it
    /// to (``JobContext/targetFacts``), where readers of the ledger find them.
    func bindTarget(_ job: Int64, facts: [String: JSONValue]) throws {
        let ids = JobContext.targetFacts.map { facts[$0]?.intValue.map(Int64.init) }
        guard ids.contains(where: { $0 != nil }) else { return }
        try connection.query(
            """
            UPDATE import_job SET project_id = coalesce($2, project_id), company_id = coalesce($3, company_id),
                estimate_version_id = coalesce($4, estimate_version_id), updated_at = now()
            WHERE id = $1
            """, job, ids[0], ids[1], ids[2])
    }

    /// Saves what the job is and what `prepare` found, before any chunk exists.
    func saveMeta(_ job: Int64, meta: JSONValue) throws {
        try connection.query(
            "UPDATE import_job SET meta_json = $2::jsonb, updated_at = now() WHERE id = $1", job, JSONText.string(meta))
    }

    /// Records the plan, in the caller's transaction: chunk totals, meta, and one
    /// `import_chunk` row per chunk. Only while the job's owner is alive: once the database
    /// counts it as gone, another agent fails the unfinished plan and the file is planned again.
    func recordPlan(
        _ job: Int64, sha256: String, rejects: Int, meta: JSONValue, chunks: [(index: Int, rows: Int, bytes: Int64)],
        message: String
    ) throws {
        let updated = try connection.query(
            """
            UPDATE import_job SET total_chunks = $2, completed_chunks = 0, file_sha256 = $3, rejects_count = $4,
                meta_json = $5::jsonb, progress = 10, message = $6, updated_at = now()
            WHERE id = $1 AND status = 'RUNNING' AND (agent_id IS NULL OR \(AgentRegistry.isLive("agent_id")))
            """,
            job, chunks.count, sha256, rejects, JSONText.string(meta), message)
        guard updated.affectedRows == 1 else {
            throw ImportFailure(
                code: .interrupted,
                message: "job \(job) is no longer running, or its planner lost its presence in the database; its plan was not recorded")
        }
        // One statement for every chunk, instead of a round trip each.
        try connection.query(
            """
            INSERT INTO import_chunk (import_job_id, chunk_index, input_rows, byte_size)
            SELECT $1, c.i, c.r, c.b
            FROM unnest(string_to_array($2, ',')::int[], string_to_array($3, ',')::bigint[], string_to_array($4, ',')::bigint[])
                AS c(i, r, b)
            """,
            job, chunks.map { String($0.index) }.joined(separator: ","), chunks.map { String($0.rows) }.joined(separator: ","),
            chunks.map { String($0.bytes) }.joined(separator: ","))
    }

    /// Fails a job that is still QUEUED or RUNNING, and abandons its pending chunks.
    /// Returns false when the job had already ended.
    @discardableResult
    func fail(_ job: Int64, _ failure: ImportFailure, rejects: Int? = nil, sha256: String? = nil) throws -> Bool {
        try connection.transaction { connection in
            let updated = try connection.query(
                """
                UPDATE import_job SET status = 'FAILED', finished_at = now(), updated_at = now(),
                    error_json = $2::jsonb, message = $3,
                    rejects_count = coalesce($4::bigint, rejects_count), file_sha256 = coalesce($5, file_sha256)
                WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
                """,
                job, JSONText.string(failure.json), "Import failed: \(failure.description)", rejects, sha256)
            try connection.query(
                "UPDATE import_chunk SET state = 'ABANDONED', updated_at = now() WHERE import_job_id = $1 AND state = 'PENDING'",
                job)
            return updated.affectedRows == 1
        }
    }

    /// Reads one job, with its rows loaded so far once it has a plan.
    func snapshot(_ job: Int64) throws -> JobSnapshot? {
        guard var snapshot = try connection.query("SELECT \(Self.selectColumns) FROM import_job WHERE id = $1", job).first
            .map(Self.snapshot)
        else { return nil }
        if snapshot.totalChunks != nil {
            snapshot.rows = try rowProgress(job)
            if snapshot.status == .running, let rows = snapshot.rows, rows.total > 0 {
                // Between chunk commits the rows being copied move the progress on.
                snapshot.progress = max(snapshot.progress, min(90, 10 + 80 * rows.loaded / rows.total))
            }
        }
        return snapshot
    }

    /// The `application_name` a worker's connection has while it loads a chunk.
    static func applicationName(job: Int64, chunk: Int) -> String { "nexus-ingest job \(job) chunk \(chunk)" }

    /// The planned data rows of a job and how many of them are loaded: all rows of DONE
    /// chunks, plus the rows that PENDING chunks' COPY has sent so far, read from
    /// `pg_stat_progress_copy` of the backend named after the chunk (``applicationName(job:chunk:)``),
    /// so that it works for workers of any agent or host without a write on the load path.
    func rowProgress(_ job: Int64) throws -> JobSnapshot.Rows {
        let row = try connection.query(
            """
            SELECT coalesce(sum(c.input_rows), 0),
                   coalesce(sum(CASE WHEN c.state = 'DONE' THEN c.input_rows
                                     WHEN c.state = 'PENDING' THEN LEAST(c.input_rows, coalesce(p.tuples, 0))
                                     ELSE 0 END), 0)
            FROM import_chunk c
            LEFT JOIN (SELECT a.application_name, max(p.tuples_processed) AS tuples
                       FROM pg_stat_progress_copy p JOIN pg_stat_activity a ON a.pid = p.pid
                       WHERE a.application_name LIKE 'nexus-ingest job % chunk %'
                       GROUP BY a.application_name) p
              ON p.application_name = 'nexus-ingest job ' || c.import_job_id || ' chunk ' || c.chunk_index
            WHERE c.import_job_id = $1
            """, job
        ).first!
        return JobSnapshot.Rows(loaded: try row.require(1), total: try row.require(0))
    }

    /// The latest jobs, newest first.
    func list(status: JobStatus?, limit: Int) throws -> [JobSnapshot] {
        try connection.query(
            """
            SELECT \(Self.selectColumns) FROM import_job
            WHERE $1::text IS NULL OR status = $1 ORDER BY id DESC LIMIT $2
            """, status?.rawValue, limit
        ).rows.map(Self.snapshot)
    }

    private static func snapshot(_ row: PostgresRow) throws -> JobSnapshot {
        JobSnapshot(
            id: try row.require(0),
            type: try row.require(1),
            status: JobStatus(rawValue: try row.require(2)) ?? .failed,
            progress: try row.require(3),
            message: row[4], csvPath: row[5], fileName: row[6], fileSize: try row.decode(7),
            sha256: row[8], totalChunks: try row.decode(9), completedChunks: try row.decode(10),
            rejectsCount: try row.require(11),
            meta: JSONText.decode(row[12]), result: JSONText.decode(row[13]), error: JSONText.decode(row[14]),
            createdAt: row[15] ?? "", startedAt: row[16], updatedAt: row[17] ?? "", finishedAt: row[18],
            duplicateOf: try row.decode(19))
    }
}
