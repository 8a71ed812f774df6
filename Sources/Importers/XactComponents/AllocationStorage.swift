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

    /// Builds the primary key and indexes of the job's table and attaches it as the job's
    /// partition, in the caller's (publishing) transaction. The attach gives the table the
    /// parent's foreign keys and validates them, one pass each; it holds SHARE ROW EXCLUSIVE
    /// locks on the tables they reference until the transaction ends, taken here first, while
    /// this transaction holds no lock on the partitioned table (``create(_:job:)`` ran at
    /// planning): whoever writes SOW items or component summaries, or deletes them with their
    /// allocations (`gc`), waits for the publish or has it wait, never both.
    static func attach(_ connection: PostgresConnection, job: Int64) throws {
        let table = tableName(job)
        try connection.executeScript(
            """
            ALTER TABLE \(table) ADD CONSTRAINT \(table)_pkey PRIMARY KEY (id);
            CREATE INDEX \(table)_project_version_code_idx ON \(table) (project_id, estimate_version_id, code);
            CREATE INDEX \(table)_sow_item_idx ON \(table) (sow_item_id);
            CREATE INDEX \(table)_summary_idx ON \(table) (component_summary_id);
            LOCK TABLE sow_item, component_summary IN SHARE ROW EXCLUSIVE MODE;
            ALTER TABLE sow_component_allocation ATTACH PARTITION \(table) FOR VALUES IN (\(job))
            """)
    }

    /// Drops the tables of these jobs, attached or not (those that exist).
    static func drop(_ connection: PostgresConnection, jobs: [Int64]) throws {
        for job in jobs {
            try connection.query("DROP TABLE IF EXISTS \(tableName(job))")
        }
    }
}
