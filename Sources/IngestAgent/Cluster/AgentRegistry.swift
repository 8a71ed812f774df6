import IngestPostgres

/// The one owner of `ingest_agent` SQL, and of the advisory locks that make PostgreSQL the judge
/// of which registered process is alive (several hosts on one spool, issue #17).
///
/// A process registers with a new id and takes the session advisory lock (agent key, id) on a
/// connection it keeps open (``Presence``). It is alive exactly as long as some session holds
/// that lock: a crash, a kill -9 or a host whose connection the server dropped (TCP keepalives,
/// ``TCPKeepalive``) releases it, and an id is never locked again once released (a process that
/// lost its connection registers anew). Whoever takes over a lost process's claims and jobs
/// first takes its *reap* lock (reap key, id), so two hosts never adopt the same job.
struct AgentRegistry {
    let connection: PostgresConnection

    /// The first key of every presence lock: one per schema, so that installations in other
    /// schemas of the database never see each other.
    static let agentKey = "(hashtext('nexus-ingest agent ' || current_schema()) & 2147483647)"
    /// The first key of the locks that make taking over a lost agent exclusive.
    static let reapKey = "(hashtext('nexus-ingest reap ' || current_schema()) & 2147483647)"

    /// The presence locks held now, as `l`: a two-key advisory lock (key 1 in `classid`,
    /// key 2, the agent id, in `objid`) of this database and schema.
    private static let presenceLocks = """
        pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.classid = \(agentKey)::oid
        """

    /// SQL that is true when agent `parameter` (a bigint placeholder such as `$4`) is alive.
    static func isLive(_ parameter: String) -> String {
        "EXISTS (SELECT 1 FROM \(presenceLocks) AND l.objid = \(parameter)::bigint::oid)"
    }

    /// Registers this process and takes its presence lock on this connection; returns the id.
    func register(host: String, pid: Int32, kind: String, version: String) throws -> Int64 {
        try connection.transaction { connection in
            let id = try connection.query(
                "INSERT INTO ingest_agent (host, pid, kind, version) VALUES ($1, $2, $3, $4) RETURNING id", host, pid, kind, version
            ).first!.require(0, as: Int64.self)
            // Session-level: it outlives this transaction, for as long as the connection lives.
            guard try connection.query("SELECT pg_try_advisory_lock(\(Self.agentKey), $1::int)", id).first?.require(0, as: Bool.self) == true
            else { throw PostgresError(code: .server, message: "the presence lock of new agent \(id) is held already") }
            return id
        }
    }

    /// Records that agent `id` stopped (a graceful stop) or was found gone by agent `by`.
    func end(_ id: Int64, by: Int64? = nil) throws {
        try connection.query("UPDATE ingest_agent SET ended_at = now(), ended_by = $2 WHERE id = $1 AND ended_at IS NULL", id, by)
    }

    /// The ids of the registered processes that are alive now.
    func live() throws -> Set<Int64> {
        Set(try connection.query("SELECT l.objid::bigint FROM \(Self.presenceLocks)").rows.map { try $0.require(0, as: Int64.self) })
    }

    /// Registered processes that are gone but were not recorded as ended.
    func lost() throws -> [Int64] {
        try connection.query(
            "SELECT id FROM ingest_agent a WHERE ended_at IS NULL AND NOT \(Self.isLive("a.id")) ORDER BY id"
        ).rows.map { try $0.require(0, as: Int64.self) }
    }

    /// Runs `body` holding the reap lock of lost agent `id`; nil, and `body` not run, when
    /// another session is taking it over right now.
    func reaping<T>(_ id: Int64, _ body: () throws -> T) throws -> T? {
        guard try connection.query("SELECT pg_try_advisory_lock(\(Self.reapKey), $1::int)", id).first?.require(0, as: Bool.self) == true
        else { return nil }
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.reapKey), $1::int)", id) }
        return try body()
    }

    /// Removes (or, in a dry run, counts) the registrations of processes that ended more than
    /// `days` days ago: one row per start of an agent, `import` or `retry` adds up otherwise.
    /// Jobs keep their owner's name in `import_job.owner`.
    func forget(endedMoreThanDaysAgo days: Int, dryRun: Bool) throws -> Int {
        let condition = "ended_at < now() - $1::int * INTERVAL '1 day'"
        if dryRun {
            return try connection.query("SELECT count(*) FROM ingest_agent WHERE \(condition)", days).first!.require(0, as: Int.self)
        }
        return try connection.query("DELETE FROM ingest_agent WHERE \(condition)", days).affectedRows
    }

    /// The live processes, oldest first.
    func list() throws -> [AgentRecord] {
        try connection.query(
            """
            SELECT a.id, a.host, a.pid, a.kind, a.version, \(JobLedger.ts("a.started_at")),
                   (SELECT count(*) FROM import_chunk c WHERE c.agent_id = a.id AND c.state = 'PENDING' AND c.started_at IS NOT NULL),
                   (SELECT count(*) FROM import_job j WHERE j.agent_id = a.id AND j.status IN ('QUEUED', 'RUNNING'))
            FROM ingest_agent a WHERE a.ended_at IS NULL AND \(Self.isLive("a.id")) ORDER BY a.id
            """
        ).rows.map { row in
            AgentRecord(
                id: try row.require(0), host: try row.require(1), pid: try row.require(2), kind: try row.require(3),
                version: try row.require(4), startedAt: try row.require(5), chunksHeld: try row.require(6), jobsOwned: try row.require(7))
        }
    }
}
