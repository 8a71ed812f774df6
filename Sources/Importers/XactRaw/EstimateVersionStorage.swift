import IngestPostgres

/// Where one estimate version's raw rows and SOW items are built, and the SQL that creates,
/// keys, attaches and drops that storage (migrations 12 and 14: `sow_item` and `raw_xact_row`
/// are partitioned by estimate version, ``VersionTable``).
///
/// `prepare` creates `raw_xact_row_v<version id>` and the chunks copy the file's rows into it;
/// the publishing transaction builds the version's model from it and writes the SOW items into
/// `sow_item_v<version id>`. Both are tables with the columns and check constraints of their
/// parent and no index, no key and no trigger; ``attach(_:rawIndexesOn:)`` then builds their
/// keys and indexes (the raw table's perhaps by another session,
/// ``startRawIndexes(on:publishing:)``) and attaches them as the version's partitions, which
/// validates the items' foreign keys in one pass each. Until that transaction commits, readers
/// never see the version's rows. A failed finalize leaves the raw table unattached, with the
/// chunks' rows (a retry finalizes from it), and no item table (it is created in the same
/// transaction); `discard` and `gc` drop the raw table of a version that is never published.
/// 300k lines: the items written into the indexed table took 10.6 s, written bare then keyed
/// 3.1 s; the two chunks' COPYs of the raw rows 5.9 and 6.2 s into the indexed table, 3.4 and
/// 3.6 s into the bare ones.
struct EstimateVersionStorage: Sendable {
    /// The `estimate_version.id` of the version.
    let versionId: Int64

    /// The table the chunks copy the raw rows to: `raw_xact_row_v<id>`.
    var rawTable: String { VersionTable.rawRows.table(versionId) }

    /// The table the SOW items are written to: `sow_item_v<id>`.
    var itemTable: String { VersionTable.sowItems.table(versionId) }

    /// Creates the version's empty raw table (`prepare`).
    func createRawTable(_ connection: PostgresConnection) throws {
        try VersionTable.rawRows.create(connection, version: versionId)
    }

    /// Creates the version's empty item table (in the publishing transaction).
    func createItemTable(_ connection: PostgresConnection) throws {
        try VersionTable.sowItems.create(connection, version: versionId)
    }

    /// The number of data rows from which the raw table's statistics, key and indexes are made
    /// by a session of its own (``startRawIndexes(on:publishing:)``). Below it they are made in
    /// the publishing transaction: for the real 1,600-line estimate, opening a second
    /// connection cost more (a few milliseconds) than the build it would have moved.
    static let rowsBuiltBeside = 20_000

    /// Analyzes the raw table and starts building its key and indexes: on `side`, a session of
    /// its own (``PostgresConnection/openSibling()``), when there is one, else in the publishing
    /// transaction (`connection`), which then builds them at ``attach(_:rawIndexesOn:)``.
    ///
    /// On `side` the build runs on the server's other core while the publishing transaction
    /// builds the model, which only reads the table (its locks let both go on), instead of
    /// after it (0.6–0.8 s of a 300k-line finalize); the statistics are committed at once, for
    /// the model's joins. A failed attempt's committed indexes stay with the unattached table,
    /// for the retry (built only if missing) or for `gc`.
    ///
    /// Only the columns that the joins, groupings and syncs use are analyzed (300k rows took
    /// 0.26 s instead of 0.64 s with the rest, `raw_row_json` the dearest), from a sample
    /// (``StorageTables/analyzeFromSample(_:)``). Autovacuum analyzes every column at the
    /// server's target after the publish.
    func startRawIndexes(on side: PostgresConnection?, publishing connection: PostgresConnection) throws {
        let analyze = StorageTables.analyzeFromSample("""
            \(rawTable) (id, estimate_version_id, file_line, group_code, group_description, signature_hash,
                canonical_key_hash, cat, unit_cost)
            """)
        try (side ?? connection).executeScript(analyze)
        guard let side else { return }
        try side.startScript(VersionTable.rawRows.indexScript(table: rawTable))
    }

    /// Builds the items table's primary key and its parent's indexes, makes the raw table's
    /// unique index its key once `side` has built it (or builds both here without one:
    /// ``startRawIndexes(on:publishing:)``), and attaches both as the version's partitions, in
    /// a transaction that took ``VersionTable/lockTables`` first. The items are analyzed for the
    /// syncs' joins, on the columns those use (0.08 s instead of 0.24 s for 300k).
    func attach(_ connection: PostgresConnection, rawIndexesOn side: PostgresConnection?) throws {
        try VersionTable.sowItems.buildIndexes(connection, table: itemTable)
        if let side {
            try side.finishScript()
            try VersionTable.rawRows.addPrimaryKey(connection, table: rawTable)
        } else {
            try VersionTable.rawRows.buildIndexes(connection, table: rawTable)
        }
        try connection.executeScript(
            """
            ANALYZE \(itemTable) (id, estimate_version_id, sow_id, raw_row_id, line_no, category_code, selection_code);
            ALTER TABLE raw_xact_row ATTACH PARTITION \(rawTable) FOR VALUES IN (\(versionId));
            ALTER TABLE sow_item ATTACH PARTITION \(itemTable) FOR VALUES IN (\(versionId))
            """)
    }

    /// Drops the raw tables of these unpublished versions, and those of versions that no longer
    /// exist. A raw table is attached only in the transaction that publishes its version.
    static func drop(_ connection: PostgresConnection, versions: [Int64]) throws {
        try StorageTables.drop(connection, prefix: VersionTable.rawRows.ownPrefix, owners: "estimate_version", ids: versions)
    }
}
