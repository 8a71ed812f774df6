import IngestPostgres

/// The tables an importer keeps per set, revision or job, named `<prefix><owner id>`.
enum StorageTables {
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
