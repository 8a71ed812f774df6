import IngestPostgres

/// One of the two tables partitioned by estimate version: the SOW items (migration 12) and the
/// raw rows (migration 14). A version's rows are built in a table of its own,
/// `<parent>_v<version id>`, with the columns and check constraints of the parent and no index,
/// key or trigger (``EstimateVersionStorage``); its key and indexes are built before it is
/// attached, each a sorted build instead of per-row upkeep. `gc` merges old versions' tables
/// into `<parent>_m<first version>_<last version>` (``merge(_:versions:)``).
struct VersionTable: Sendable {
    /// The partitioned table.
    let parent: String
    /// The parent's indexes, each as the end of its name and its columns.
    private let indexes: [(name: String, columns: String)]

    /// `sow_item`.
    static let sowItems = VersionTable(parent: "sow_item", indexes: [
        ("version_particle", "estimate_version_id, project_particle_id"), ("particle", "project_particle_id"),
        ("cat_sel", "category_code, selection_code"), ("raw_row", "raw_row_id"),
    ])

    /// `raw_xact_row`.
    static let rawRows = VersionTable(parent: "raw_xact_row", indexes: [
        ("version_line", "estimate_version_id, line_no"), ("version_cat_sel", "estimate_version_id, cat, sel"),
    ])

    /// What the name of a version's own table starts with.
    var ownPrefix: String { parent + "_v" }

    /// What the name of a table holding several versions starts with.
    var mergedPrefix: String { parent + "_m" }

    /// The version's own table.
    func table(_ version: Int64) -> String { ownPrefix + String(version) }

    /// Creates the version's empty table, checked to hold only its version's rows (so that the
    /// attach needs no scan of it).
    func create(_ connection: PostgresConnection, version: Int64) throws {
        try connection.query(StorageTables.createPartitionTable(
            table(version), of: parent, checkName: "version_check", column: "estimate_version_id", values: [version]))
    }

    /// The primary key (id, version: a partitioned table is unique only on keys that include
    /// the version) and the parent's indexes, built on a table about to be attached.
    func buildIndexes(_ connection: PostgresConnection, table: String) throws {
        try connection.executeScript(indexScript(table: table))
        try addPrimaryKey(connection, table: table)
    }

    /// The indexes of ``buildIndexes(_:table:)``, the key as a unique index under the key's
    /// name, which ``addPrimaryKey(_:table:)`` then makes the key; each only if missing. Another
    /// session may run it beside the publishing transaction
    /// (``EstimateVersionStorage/startRawIndexes(on:publishing:)``), and a finalize that failed
    /// after that session built them is retried.
    func indexScript(table: String) -> String {
        (["CREATE UNIQUE INDEX IF NOT EXISTS \(table)_pkey ON \(table) (id, estimate_version_id)"]
            + indexes.map { "CREATE INDEX IF NOT EXISTS \(table)_\($0.name)_idx ON \(table) (\($0.columns))" })
            .joined(separator: ";\n")
    }

    /// Makes the unique index ``indexScript(table:)`` built the table's primary key.
    func addPrimaryKey(_ connection: PostgresConnection, table: String) throws {
        try connection.query("ALTER TABLE \(table) ADD CONSTRAINT \(table)_pkey PRIMARY KEY USING INDEX \(table)_pkey")
    }

    /// The locks that attaching a version's SOW items takes for their foreign keys, and the raw
    /// rows' table, in the one order every transaction that builds, attaches or merges version
    /// tables takes them first: an XACT raw finalize (before it writes its SOW), `gc`'s merges.
    /// A transaction that deletes an estimate version deletes its raw rows first (a BEFORE
    /// trigger of migration 14), then its SOW (whose items cascade), so it either finishes
    /// before such a transaction locks, or waits for it holding nothing it needs.
    static let lockTables = "LOCK TABLE raw_xact_row, sow, sow_logical_item, project_particle IN SHARE ROW EXCLUSIVE MODE"
}
