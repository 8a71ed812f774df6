import IngestPostgres

/// The tables an importer keeps per set, revision, job or version, named `<prefix><owner id>`.
enum StorageTables {
    /// A script that analyzes `target` (a table, with a column list or not) from a sample of
    /// 3,000 rows (statistics target 10, for that `ANALYZE` only) instead of 30,000: the
    /// publishing joins over a table the chunks just filled need row counts and how many
    /// distinct values, not fine histograms (300k XACT raw rows: 0.015 s instead of 0.185 s,
    /// same plans; 475k Golden PETL build rows: 25 ms instead of 1.6 s).
    static func analyzeFromSample(_ target: String) -> String {
        "SET LOCAL default_statistics_target = 10;\nANALYZE \(target);\nRESET default_statistics_target"
    }

    /// `CREATE TABLE` of `table` as a partition-to-be of the partitioned table `parent`: the
    /// parent's columns, defaults and check constraints (a partition must have its parent's
    /// checks) and no index, key or trigger, plus the check `<table>_<checkName>` that every
    /// row's `column` is one of `values`, so that attaching it for those values needs no scan
    /// of it.
    static func createPartitionTable(
        _ table: String, of parent: String, checkName: String, column: String, values: [Int64],
        ifNotExists: Bool = false
    ) -> String {
        let condition = values.count == 1
            ? "\(column) = \(values[0])" : "\(column) IN (\(values.map(String.init).joined(separator: ", ")))"
        return """
            CREATE TABLE \(ifNotExists ? "IF NOT EXISTS " : "")\(table) (
                LIKE \(parent) INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                CONSTRAINT \(table)_\(checkName) CHECK (\(condition))
            )
            """
    }

    /// Merges the attached partitions `sources` of `parent` into one new partition `table` for
    /// `values` (every value the sources hold), in the caller's transaction: the sources are
    /// locked against writers, their rows copied into the new table
    /// (``createPartitionTable(_:of:checkName:column:values:ifNotExists:)``), `build` gives it
    /// its keys and indexes (one pass each), the sources are dropped and the table is attached
    /// in their place. Readers see the sources until the transaction commits, then the new
    /// table with the same rows; from the first drop they wait for the commit (dropping a
    /// partition locks its parent).
    static func merge(
        _ connection: PostgresConnection, sources: [String], into table: String, of parent: String, checkName: String,
        column: String, values: [Int64], build: (String) throws -> Void
    ) throws {
        let list = values.map(String.init).joined(separator: ", ")
        try connection.query("LOCK TABLE \(sources.joined(separator: ", ")) IN SHARE MODE")
        try connection.query(createPartitionTable(table, of: parent, checkName: checkName, column: column, values: values))
        try connection.query("INSERT INTO \(table) SELECT * FROM \(parent) WHERE \(column) IN (\(list))")
        try build(table)
        for source in sources {
            try connection.query("DROP TABLE \(source)")
        }
        try connection.query("ALTER TABLE \(parent) ATTACH PARTITION \(table) FOR VALUES IN (\(list))")
    }

    /// A subquery of the owners (`SELECT owner …`) whose own attached tables of `parent`
    /// (`<prefix><owner>`) `gc` merges: when at least twice `keptApart` owners have one, all
    /// but the newest `keptApart`.
    static func ownersToMerge(of parent: String, prefix: String, keptApart: Int) -> String {
        """
        SELECT owner FROM (
            SELECT owner, row_number() OVER (ORDER BY owner DESC) AS rank, count(*) OVER () AS attached
            FROM (SELECT substr(c.relname, \(prefix.count + 1))::bigint AS owner
                  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                  WHERE i.inhparent = '\(parent)'::regclass AND c.relname ~ '^\(prefix)[0-9]+$') apart
        ) ranked
        WHERE rank > \(keptApart) AND attached >= \(2 * keptApart)
        """
    }

    /// Merges the attached tables `owned` of `parent` (each holding the rows of one owner, whose
    /// id is its `column` value), sorted by owner, `limit` at a time, into new partitions
    /// `<mergedPrefix><first>_<last>` with ``merge(_:sources:into:of:checkName:column:values:build:)``,
    /// together with the tables merged before that the rule of a binary counter adds: the newest
    /// merged table joins while it holds no more owners than the merge has so far (and both fit
    /// in `limit`), then the next newest on the same terms. A row is so copied a handful of times
    /// at most (a table's size at least doubles each time), and only a handful of merged tables
    /// are ever less than full. Nothing happens for a single owner that no merged table joins.
    static func mergeLikeACounter(
        _ connection: PostgresConnection, owned: [(table: String, owner: Int64)], of parent: String, mergedPrefix: String,
        checkName: String, column: String, limit: Int, build: (String) throws -> Void
    ) throws {
        let owned = owned.sorted { $0.owner < $1.owner }
        for start in stride(from: 0, to: owned.count, by: limit) {
            var owners = owned[start..<min(start + limit, owned.count)].map(\.owner)
            var sources = owned[start..<min(start + limit, owned.count)].map(\.table)
            for (older, held) in try mergedTables(connection, of: parent, prefix: mergedPrefix) {
                guard held.count <= owners.count, held.count + owners.count <= limit else { break }
                sources.append(older)
                owners += held
            }
            owners.sort()
            guard owners.count > 1, let first = owners.first, let last = owners.last else { continue }
            var table = "\(mergedPrefix)\(first)_\(last)"
            var suffix = 1
            while try connection.query("SELECT to_regclass($1) IS NOT NULL", table).first!.require(0, as: Bool.self) {
                suffix += 1
                table = "\(mergedPrefix)\(first)_\(last)_\(suffix)"
            }
            try merge(
                connection, sources: sources, into: table, of: parent, checkName: checkName, column: column, values: owners,
                build: build)
        }
    }

    /// The attached tables of `parent` that hold several owners (named `<prefix><first>_<last>`,
    /// perhaps with a `_<n>` suffix), newest first (by their newest owner), with their owners,
    /// read from their partition bounds.
    private static func mergedTables(
        _ connection: PostgresConnection, of parent: String, prefix: String
    ) throws -> [(table: String, owners: [Int64])] {
        try connection.query(
            """
            SELECT c.relname, string_agg(m[1], ',')
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
                 regexp_matches(pg_get_expr(c.relpartbound, c.oid), '[0-9]+', 'g') m
            WHERE i.inhparent = '\(parent)'::regclass AND c.relname ~ '^\(prefix)[0-9]+_[0-9]+(_[0-9]+)?$'
            GROUP BY c.relname
            ORDER BY max(m[1]::bigint) DESC
            """
        ).rows.map { row in
            (try row.require(0, as: String.self), try row.require(1, as: String.self).split(separator: ",").compactMap { Int64($0) })
        }
    }

    /// Drops the tables of these owners, and the unattached ones whose owner row in `owners` no
    /// longer exists (deleted along with its import), in the current schema.
    static func drop(_ connection: PostgresConnection, prefix: String, owners: String, ids: [Int64]) throws {
        let orphans = try connection.query(
            """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
              AND c.relname ~ '^\(prefix)[0-9]+$'
              AND NOT EXISTS (SELECT 1 FROM \(owners) o WHERE o.id = substr(c.relname, \(prefix.count + 1))::bigint)
            """
        ).rows.map { try $0.require(0, as: String.self) }
        for table in ids.map({ "\(prefix)\($0)" }) + orphans {
            try connection.query("DROP TABLE IF EXISTS \(table)")
        }
    }
}
