import IngestPostgres

/// `gc` merges the tables of old estimate versions' SOW items, so that `sow_item` keeps few
/// partitions however many versions are published.
///
/// Each partition costs every statement that is not pruned to one version (a reader's join of
/// `sow_item` and `sow`, the attach of a components job's allocation) a lock on it and on each
/// of its five indexes: with 3,003 version tables such statements failed with "out of shared
/// memory" at the default `max_locks_per_transaction` (BENCHMARKS.md, fourteenth round).
extension SowItemStorage {
    /// What the name of a table holding several versions' items starts with:
    /// `sow_item_m<first version>_<last version>`, the names migration 12 gave the tables it
    /// moved the existing items into (a second table of the same first and last version, were
    /// there one, gets `_2`, `_3`, …).
    static let mergedPrefix = "sow_item_m"

    /// How many of the newest versions' own tables `gc` leaves apart; it merges the older ones
    /// once twice as many are attached.
    static let versionsKeptApart = 16

    /// At most this many versions share a table: a partition's bound is stored in its `pg_class`
    /// row, which cannot exceed a page (see ``AllocationStorage``).
    static let versionsPerMergedTable = 512

    /// At most this many versions' own tables `gc` merges in one transaction: dropping a table
    /// locks about 38 objects until the transaction ends (the table, its indexes, TOAST table,
    /// constraints and types), and copying its rows six more, from a lock table that holds
    /// about 6,400 at the default settings for every session at once (256 tables took 10,091).
    static let versionsMergedPerTransaction = 64

    /// `gc`'s condition (on `estimate_version v`) for the versions whose own tables
    /// ``merge(_:versions:)`` merges: when at least twice ``versionsKeptApart`` versions have a
    /// table of their own attached, all but the newest ``versionsKeptApart``.
    static var mergeCondition: String {
        """
        v.id IN (
            SELECT version FROM (
                SELECT version, row_number() OVER (ORDER BY version DESC) AS rank, count(*) OVER () AS attached
                FROM (SELECT substr(c.relname, \(tablePrefix.count + 1))::bigint AS version
                      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                      WHERE i.inhparent = 'sow_item'::regclass AND c.relname ~ '^\(tablePrefix)[0-9]+$') apart
            ) ranked
            WHERE rank > \(versionsKeptApart) AND attached >= \(2 * versionsKeptApart))
        """
    }

    /// Merges the own tables of these versions into tables of several versions, in the caller's
    /// transaction (one of its own: `gc` runs it after its other rules have committed, for at
    /// most ``versionsMergedPerTransaction`` versions at a time).
    ///
    /// Merged tables grow like the digits of a binary counter: the newest merged table joins
    /// the new one while it holds no more versions than the new one (and both fit in
    /// ``versionsPerMergedTable``), then the next newest on the same terms. A version's items are
    /// so copied a handful of times at most (a table's size at least doubles each time), and
    /// only a handful of tables are ever less than full.
    ///
    /// The referenced tables are locked first, in the order a publish locks them, then the
    /// tables merged (against writers: a cascade from a deleted version). The rows are copied
    /// into a new table without index or key, checked to hold only its versions; it is indexed
    /// and keyed (one sorted pass each), the old tables are dropped, and it is attached in their
    /// place, which validates its four foreign keys in one pass each. Readers see the old
    /// tables until the transaction commits, then the merged one with the same rows; from the
    /// first drop they wait for the commit (a dropped partition locks its parent).
    static func merge(_ connection: PostgresConnection, versions: [Int64]) throws {
        let versions = versions.sorted()
        guard !versions.isEmpty else { return }
        try connection.query(lockReferencedTables)
        for start in stride(from: 0, to: versions.count, by: versionsPerMergedTable) {
            try merge(connection, batch: Array(versions[start..<min(start + versionsPerMergedTable, versions.count)]))
        }
    }

    /// Merges one batch of versions' own tables, with the merged tables that the binary-counter
    /// rule of ``merge(_:versions:)`` adds, into one table.
    private static func merge(_ connection: PostgresConnection, batch: [Int64]) throws {
        var versions = batch
        var sources = batch.map { SowItemStorage(versionId: $0).table }
        for (table, held) in try mergedTables(connection) {
            guard held.count <= versions.count, held.count + versions.count <= versionsPerMergedTable else { break }
            sources.append(table)
            versions += held
        }
        versions.sort()
        guard versions.count > 1, let first = versions.first, let last = versions.last else { return }
        var table = "\(mergedPrefix)\(first)_\(last)"
        var suffix = 1
        while try connection.query("SELECT to_regclass($1) IS NOT NULL", table).first!.require(0, as: Bool.self) {
            suffix += 1
            table = "\(mergedPrefix)\(first)_\(last)_\(suffix)"
        }
        try StorageTables.merge(
            connection, sources: sources, into: table, of: "sow_item", checkName: "version_check",
            column: "estimate_version_id", values: versions
        ) { try buildIndexes(connection, table: $0) }
    }

    /// The attached tables of several versions, newest first (by their newest version), with
    /// their versions, read from their partition bounds.
    private static func mergedTables(_ connection: PostgresConnection) throws -> [(table: String, versions: [Int64])] {
        try connection.query(
            """
            SELECT c.relname, string_agg(m[1], ',')
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
                 regexp_matches(pg_get_expr(c.relpartbound, c.oid), '[0-9]+', 'g') m
            WHERE i.inhparent = 'sow_item'::regclass AND c.relname ~ '^\(mergedPrefix)[0-9]+_[0-9]+(_[0-9]+)?$'
            GROUP BY c.relname
            ORDER BY max(m[1]::bigint) DESC
            """
        ).rows.map { row in
            let versions = try row.require(1, as: String.self).split(separator: ",").compactMap { Int64($0) }
            return (try row.require(0, as: String.self), versions)
        }
    }
}
