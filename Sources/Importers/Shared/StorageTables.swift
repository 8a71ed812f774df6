import IngestPostgres

/// The tables an importer keeps per set, revision, job or version, named `<prefix><owner id>`.
enum StorageTables {
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

    /// Drops the tables of these owners, and those whose owner row in `owners` no longer exists
    /// (deleted along with its import), in the current schema.
    static func drop(_ connection: PostgresConnection, prefix: String, owners: String, ids: [Int64]) throws {
        let orphans = try connection.query(
            """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
              AND c.relname ~ '^\(prefix)[0-9]+$'
              AND NOT EXISTS (SELECT 1 FROM \(owners) o WHERE o.id = substr(c.relname, \(prefix.count + 1))::bigint)
            """
        ).rows.map { try $0.require(0, as: String.self) }
        for table in ids.map({ "\(prefix)\($0)" }) + orphans {
            try connection.query("DROP TABLE IF EXISTS \(table)")
        }
    }
}
