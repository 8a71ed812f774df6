import IngestPostgres

/// Where one estimate version's raw rows and SOW items are built, and the SQL that creates,
/// keys, attaches and drops that storage (migrations 12 and 13: `sow_item` and `raw_xact_row`
/// are partitioned by estimate version).
///
/// `prepare` creates `raw_xact_row_v<version id>` and the chunks copy the file's rows into it;
/// the publishing transaction builds the version's model from it and writes the SOW items into
/// `sow_item_v<version id>`. Both are tables with the columns and check constraints of their
/// parent and no index, no key and no trigger; ``attach(_:)`` then builds their keys and
/// indexes (each a sorted build instead of per-row upkeep) and attaches them as the version's
/// partitions, which validates their foreign keys in one pass each. Until that transaction
/// commits, readers never see the version's rows. A failed finalize leaves the raw table as
/// the chunks left it (a retry finalizes from it) and no item table (it is created in the
/// same transaction); `discard` and `gc` drop the raw table of a version that is never
/// published. 300k lines: the items written into the indexed table took 10.6 s, written bare
/// then keyed 3.1 s; the two chunks' COPYs of the raw rows 5.9 and 6.2 s into the indexed
/// table, 3.4 and 3.6 s into the bare ones.
struct EstimateVersionStorage: Sendable {
    /// The `estimate_version.id` of the version.
    let versionId: Int64

    /// The table the chunks copy the raw rows to: `raw_xact_row_v<id>`.
    var rawTable: String { "\(Self.rawPrefix)\(versionId)" }

    /// The raw table's name without its id.
    static let rawPrefix = "raw_xact_row_v"

    /// The table the SOW items are written to: `sow_item_v<id>`.
    var itemTable: String { "sow_item_v\(versionId)" }

    /// Creates the version's empty raw table (`prepare`).
    func createRawTable(_ connection: PostgresConnection) throws {
        try connection.query(StorageTables.createPartitionTable(
            rawTable, of: "raw_xact_row", checkName: "version_check", column: "estimate_version_id", values: [versionId]))
    }

    /// Creates the version's empty item table (in the publishing transaction).
    func createItemTable(_ connection: PostgresConnection) throws {
        try connection.query(StorageTables.createPartitionTable(
            itemTable, of: "sow_item", checkName: "version_check", column: "estimate_version_id", values: [versionId]))
    }

    /// Statistics of the raw table's columns that the model's joins and groupings and the syncs
    /// use. Only those: 300k rows took 0.26 s instead of 0.64 s with the rest (`raw_row_json`
    /// the dearest); autovacuum analyzes every column after the commit (an `ANALYZE` of some
    /// columns does not reset its count of changes).
    func analyzeRawTable(_ connection: PostgresConnection) throws {
        try connection.query(
            """
            ANALYZE \(rawTable) (id, estimate_version_id, file_line, group_code, group_description, signature_hash,
                canonical_key_hash, cat, unit_cost)
            """)
    }

    /// Builds both tables' primary keys and their parents' indexes, and attaches them as the
    /// version's partitions: the raw rows first, which the items' key refers to. The raw table
    /// was analyzed before the model was built from it (``analyzeRawTable(_:)``); the items
    /// are, for the syncs' joins, on the columns those use (0.08 s instead of 0.24 s for 300k).
    ///
    /// Attaching the raw rows gives the new partition the items' key to it, which takes SHARE
    /// ROW EXCLUSIVE on `sow_item`; attaching the items validates their foreign keys, which takes
    /// it on the tables they refer to. All are taken first, in one order, `raw_xact_row` first: a
    /// transaction that deletes an estimate version deletes its raw rows first (a BEFORE
    /// trigger of migration 13), then its SOW (whose items cascade), so it either finishes
    /// before this one locks, or waits for it holding nothing this one needs.
    func attach(_ connection: PostgresConnection) throws {
        let (raw, items) = (rawTable, itemTable)
        try connection.executeScript(
            """
            ALTER TABLE \(raw) ADD CONSTRAINT \(raw)_pkey PRIMARY KEY (id, estimate_version_id);
            CREATE INDEX \(raw)_version_line_idx ON \(raw) (estimate_version_id, line_no);
            CREATE INDEX \(raw)_version_cat_sel_idx ON \(raw) (estimate_version_id, cat, sel);
            ALTER TABLE \(items) ADD CONSTRAINT \(items)_pkey PRIMARY KEY (id, estimate_version_id);
            CREATE INDEX \(items)_version_particle_idx ON \(items) (estimate_version_id, project_particle_id);
            CREATE INDEX \(items)_particle_idx ON \(items) (project_particle_id);
            CREATE INDEX \(items)_cat_sel_idx ON \(items) (category_code, selection_code);
            CREATE INDEX \(items)_raw_row_idx ON \(items) (raw_row_id);
            ANALYZE \(items) (id, estimate_version_id, sow_id, raw_row_id, line_no, category_code, selection_code);
            LOCK TABLE raw_xact_row, sow_item, sow, sow_logical_item, project_particle IN SHARE ROW EXCLUSIVE MODE;
            ALTER TABLE raw_xact_row ATTACH PARTITION \(raw) FOR VALUES IN (\(versionId));
            ALTER TABLE sow_item ATTACH PARTITION \(items) FOR VALUES IN (\(versionId))
            """)
    }

    /// Drops the raw tables of these unpublished versions, and those of versions that no longer
    /// exist. A raw table is attached only in the transaction that publishes its version.
    static func drop(_ connection: PostgresConnection, versions: [Int64]) throws {
        try StorageTables.drop(connection, prefix: rawPrefix, owners: "estimate_version", ids: versions)
    }
}
