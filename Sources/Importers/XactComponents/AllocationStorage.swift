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
        try connection.query(StorageTables.createPartitionTable(
            tableName(job), of: "sow_component_allocation", checkName: "job_check", column: "import_job_id", values: [job],
            ifNotExists: true))
    }

    /// Takes the table lock that attaching a job's table takes for its foreign key (SHARE ROW
    /// EXCLUSIVE on `component_summary`, the table it references), before any lock on
    /// `sow_component_allocation`, in any transaction that attaches or drops attached tables. A
    /// publish takes it while it holds no lock on the partitioned table (``create(_:job:)`` ran
    /// at planning), and `gc` first thing: whoever writes component summaries, or drops
    /// allocations, waits for the other or has it wait, never both. (Since migration 13 the
    /// allocation has no key to `sow_item`, whose version tables `gc` merges.)
    static func lockTables(_ connection: PostgresConnection) throws {
        try connection.query("LOCK TABLE component_summary IN SHARE ROW EXCLUSIVE MODE")
    }

    /// Builds the primary key and indexes of the job's table and attaches it as the job's
    /// partition, in the caller's (publishing) transaction, taking ``lockTables(_:)`` after the
    /// builds. The attach gives the table the parent's foreign keys and validates them, one
    /// pass each.
    static func attach(_ connection: PostgresConnection, job: Int64) throws {
        let table = tableName(job)
        try buildIndexes(connection, table: table)
        try lockTables(connection)
        try connection.query("ALTER TABLE sow_component_allocation ATTACH PARTITION \(table) FOR VALUES IN (\(job))")
    }

    /// The primary key and the parent's indexes, built on a table about to be attached.
    private static func buildIndexes(_ connection: PostgresConnection, table: String) throws {
        try connection.executeScript(
            """
            ALTER TABLE \(table) ADD CONSTRAINT \(table)_pkey PRIMARY KEY (id);
            CREATE INDEX \(table)_project_version_code_idx ON \(table) (project_id, estimate_version_id, code);
            CREATE INDEX \(table)_sow_item_idx ON \(table) (sow_item_id);
            CREATE INDEX \(table)_summary_idx ON \(table) (component_summary_id)
            """)
    }

    /// What the name of a table holding the allocations of several jobs starts with:
    /// `sow_component_allocation_m<first job>_<last job>` (``merge(_:jobs:)``).
    static let mergedPrefix = "sow_component_allocation_m"

    /// How many of the newest attached jobs' tables `gc` leaves apart; it merges the older ones
    /// once twice as many are attached (``mergeCondition(dropped:)``).
    static let jobsKeptApart = 16

    /// `gc`'s condition (on `import_job j`) for the jobs whose attached tables ``merge(_:jobs:)``
    /// merges: when at least twice ``jobsKeptApart`` jobs have a table of their own attached,
    /// all but the newest ``jobsKeptApart`` of them, except those `dropped` (a condition on
    /// `j.id`: the tables the same `gc` drops).
    static func mergeCondition(dropped: String) -> String {
        """
        j.id IN (\(StorageTables.ownersToMerge(of: "sow_component_allocation", prefix: tablePrefix, keptApart: jobsKeptApart)))
        AND NOT (\(dropped))
        """
    }

    /// Merges the attached tables of these jobs, with older merged tables as a binary counter
    /// adds them (``StorageTables/mergeLikeACounter(_:owned:of:mergedPrefix:checkName:column:limit:build:)``),
    /// into partitions of the partitioned table (`gc`, in transactions of its own of at most
    /// ``jobsMergedPerTransaction`` jobs): each job's table costs every reader of
    /// `sow_component_allocation` (the current view cannot be pruned) a lock and an index probe
    /// per index, so that with 1,501 tables
    /// reading the current view of a 57,047-row allocation took 2.0–2.5 s and 7,514 locks
    /// (a server's lock table holds `max_locks_per_transaction` × connections: 6,400 by
    /// default for 100), where one table takes milliseconds.
    ///
    /// The rows are copied into a new table without index or key, which is then indexed and
    /// keyed (one pass each), and checked to hold only these jobs; the jobs' tables are dropped
    /// and the new one is attached in their place, which with its key and check already there
    /// is a change of the catalog only. Readers see the jobs' tables until the transaction
    /// commits, then the merged one with the same rows. The jobs' tables are locked against
    /// writers (a cascade from a deleted summary) while they are copied, after
    /// ``lockTables(_:)``, which also keeps component summaries from being written meanwhile.
    /// A superseded job's rows in a merged table go with its component summaries (their key
    /// cascades), since its table cannot be dropped alone any more.
    static func merge(_ connection: PostgresConnection, jobs: [Int64]) throws {
        guard !jobs.isEmpty else { return }
        try lockTables(connection)
        try StorageTables.mergeLikeACounter(
            connection, owned: jobs.map { (tableName($0), $0) }, of: "sow_component_allocation", mergedPrefix: mergedPrefix,
            checkName: "job_check", column: "import_job_id", limit: jobsPerMergedTable
        ) { table in
            try buildIndexes(connection, table: table)
            // The parent's key, the same way: the attach then takes it as the partition's own
            // instead of checking every row again.
            try connection.query(
                """
                ALTER TABLE \(table) ADD CONSTRAINT \(table)_component_summary_id_fkey
                    FOREIGN KEY (component_summary_id) REFERENCES component_summary (id) ON DELETE CASCADE
                """)
        }
    }

    /// At most this many jobs' tables `gc` merges in one transaction: each dropped table locks
    /// about 30 objects until the transaction ends (see ``VersionTable/versionsMergedPerTransaction``).
    static let jobsMergedPerTransaction = 64

    /// At most this many jobs share a merged table: a partition's bound is stored in its
    /// `pg_class` row, which cannot exceed a page (1,484 jobs failed: "row is too big: size
    /// 13264, maximum size 8160").
    static let jobsPerMergedTable = 512

    /// Drops the tables of these jobs (those that exist), after ``lockTables(_:)`` when one may
    /// be attached (`gc`); a job's own unattached table (`discard`) needs no lock.
    static func drop(_ connection: PostgresConnection, jobs: [Int64], attached: Bool) throws {
        if attached && !jobs.isEmpty { try lockTables(connection) }
        for job in jobs {
            try connection.query("DROP TABLE IF EXISTS \(tableName(job))")
        }
    }
}
