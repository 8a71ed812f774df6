import IngestPostgres

/// Where one XACT components job's allocation rows live, and the SQL that builds, attaches and
/// drops that storage (migration 10: `sow_component_allocation` is partitioned by job).
///
/// The job's allocation is written into `sow_component_allocation_j<job id>`, a table of its
/// own with no index and no foreign key, checked only to hold its job's id (so that the attach
/// needs no scan). Its table is created when the job is planned, so that the publishing
/// transaction touches the partitioned table only when it attaches (an allocation into the
/// indexed table with per-row key checks ran at 14k rows/s; written bare, then indexed and keyed,
/// the same 10M rows took 90 s instead of 703 s). Until that transaction commits, readers of
/// `sow_component_allocation` never see the new rows.
enum AllocationStorage {
    /// What the name of a job's table starts with.
    static let tablePrefix = "sow_component_allocation_j"

    /// `sow_component_allocation_j<job>`.
    static func tableName(_ job: Int64) -> String { tablePrefix + String(job) }

    /// Creates the job's table unless it exists: the columns, defaults and check constraints of
    /// `sow_component_allocation` (a partition must have its parent's checks), no index, no key.
    static func create(_ connection: PostgresConnection, job: Int64) throws {
        let table = tableName(job)
        try connection.query(
            """
            CREATE TABLE IF NOT EXISTS \(table) (
                LIKE sow_component_allocation INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                CONSTRAINT \(table)_job_check CHECK (import_job_id = \(job))
            )
            """)
    }

    /// Takes the table locks that attaching a job's table takes for its foreign keys (SHARE ROW
    /// EXCLUSIVE on both tables they reference), before any lock on `sow_component_allocation`,
    /// in any transaction that attaches or drops attached tables. A publish takes them while
    /// it holds no lock on the partitioned table (``create(_:job:)`` ran at planning), and `gc`
    /// first thing: whoever writes SOW items or component summaries, or drops allocations,
    /// waits for the other or has it wait, never both.
    static func lockTables(_ connection: PostgresConnection) throws {
        try connection.query("LOCK TABLE sow_item, component_summary IN SHARE ROW EXCLUSIVE MODE")
    }

    /// Builds the primary key and indexes of the job's table and attaches it as the job's
    /// partition, in the caller's (publishing) transaction, taking ``lockTables(_:)`` after the
    /// builds. The attach gives the table the parent's foreign keys and validates them, one
    /// pass each.
    static func attach(_ connection: PostgresConnection, job: Int64) throws {
        let table = tableName(job)
        try connection.executeScript(
            """
            ALTER TABLE \(table) ADD CONSTRAINT \(table)_pkey PRIMARY KEY (id);
            CREATE INDEX \(table)_project_version_code_idx ON \(table) (project_id, estimate_version_id, code);
            CREATE INDEX \(table)_sow_item_idx ON \(table) (sow_item_id);
            CREATE INDEX \(table)_summary_idx ON \(table) (component_summary_id)
            """)
        try lockTables(connection)
        try connection.query("ALTER TABLE sow_component_allocation ATTACH PARTITION \(table) FOR VALUES IN (\(job))")
    }

    /// Drops the tables of these jobs (those that exist), after ``lockTables(_:)`` when one may
    /// be attached (`gc`); a job's own unattached table (`discard`) needs no lock.
    static func drop(_ connection: PostgresConnection, jobs: [Int64], attached: Bool) throws {
        if attached && !jobs.isEmpty { try lockTables(connection) }
        for job in jobs {
            try connection.query("DROP TABLE IF EXISTS \(tableName(job))")
        }
    }
}
