import IngestPostgres

/// `gc` merges the tables of old estimate versions, so that `sow_item` and `raw_xact_row` keep
/// few partitions however many versions are published.
///
/// Each partition costs every statement that is not pruned to one version (a reader's join of
/// `sow_item` and `sow`) a lock on it and on each of its indexes: with 3,003 SOW item tables
/// such statements failed with "out of shared memory" at the default
/// `max_locks_per_transaction` (BENCHMARKS.md, fourteenth round).
extension VersionTable {
    /// How many of the newest versions' own tables `gc` leaves apart; it merges the older ones
    /// once twice as many are attached.
    static let versionsKeptApart = 16

    /// At most this many versions share a table: a partition's bound is stored in its `pg_class`
    /// row, which cannot exceed a page (see ``AllocationStorage``).
    static let versionsPerMergedTable = 512

    /// At most this many versions' own tables `gc` merges in one transaction: dropping a table
    /// locks about 38 objects until the transaction ends (the table, its indexes, TOAST table,
    /// constraints and types), and copying its rows six more, from a lock table that holds
    /// about 6,400 at the default settings for every session at once (256 SOW item tables took
    /// 10,091; each version has two tables).
    static let versionsMergedPerTransaction = 32

    /// `gc`'s condition (on `estimate_version v`) for the versions whose own tables
    /// ``merge(_:versions:)`` merges: when at least twice ``versionsKeptApart`` versions have a
    /// SOW item table of their own attached, all but the newest ``versionsKeptApart``.
    static var mergeCondition: String {
        "v.id IN (\(StorageTables.ownersToMerge(of: sowItems.parent, prefix: sowItems.ownPrefix, keptApart: versionsKeptApart)))"
    }

    /// Merges the own tables of these versions, SOW items and raw rows, into tables of several
    /// versions, in the caller's transaction (one of its own: `gc` runs it after its other
    /// rules have committed, for at most ``versionsMergedPerTransaction`` versions at a time),
    /// after ``lockTables``.
    ///
    /// Merged tables grow like the digits of a binary counter: the newest merged table joins
    /// the new one while it holds no more versions than the new one (and both fit in
    /// ``versionsPerMergedTable``), then the next newest on the same terms. A version's rows are
    /// so copied a handful of times at most (a table's size at least doubles each time), and
    /// only a handful of tables are ever less than full.
    ///
    /// The tables merged are locked against writers (a cascade from a deleted version). The rows
    /// are copied into a new table without index or key, checked to hold only its versions; it
    /// is indexed and keyed (one sorted pass each), the old tables are dropped, and it is
    /// attached in their place, which validates its foreign keys in one pass each. Readers see
    /// the old tables until the transaction commits, then the merged one with the same rows;
    /// from the first drop they wait for the commit (a dropped partition locks its parent).
    static func merge(_ connection: PostgresConnection, versions: [Int64]) throws {
        guard !versions.isEmpty else { return }
        try connection.query(lockTables)
        for kind in [rawRows, sowItems] {
            try kind.merge(connection, versions: versions)
        }
    }

    /// Merges the own tables of these versions (those that have one attached: a version
    /// published before migration 14 has its raw rows in a table the upgrade made), with the
    /// merged tables that the binary-counter rule adds
    /// (``StorageTables/mergeLikeACounter(_:owned:of:mergedPrefix:checkName:column:limit:build:)``).
    private func merge(_ connection: PostgresConnection, versions: [Int64]) throws {
        let attached = try connection.query(
            """
            SELECT v FROM unnest(ARRAY[\(versions.map(String.init).joined(separator: ", "))]::bigint[]) v
            JOIN pg_inherits i ON i.inhrelid = to_regclass('\(ownPrefix)' || v) AND i.inhparent = '\(parent)'::regclass
            ORDER BY v
            """
        ).rows.map { try $0.require(0, as: Int64.self) }
        try StorageTables.mergeLikeACounter(
            connection, owned: attached.map { (table($0), $0) }, of: parent, mergedPrefix: mergedPrefix,
            checkName: "version_check", column: "estimate_version_id", limit: Self.versionsPerMergedTable
        ) { try buildIndexes(connection, table: $0) }
    }
}
