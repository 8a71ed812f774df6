import IngestPostgres

extension Doctor {
    /// The partitioned table of the schema whose plan over all its partitions takes the most
    /// locks, and the size of the server's shared lock table.
    struct PartitionLocks: Sendable, Equatable {
        /// The partitioned table (`sow_item`).
        var table: String
        /// Its partitions.
        var partitions: Int
        /// The indexes of its partitions.
        var indexes: Int
        /// `max_locks_per_transaction`.
        var locksPerTransaction: Int
        /// `max_connections + max_prepared_transactions`: the lock table holds
        /// `max_locks_per_transaction` locks for each.
        var slots: Int

        /// What one statement over every partition takes: a lock on each partition and each of
        /// its indexes when planned, and, as a margin, one more on each partition: attaching a
        /// partition of `sow_component_allocation` took both over `sow_item` until migration 13
        /// dropped the allocation's key to it (the measurement below).
        var locksNeeded: Int { 2 * partitions + indexes }

        /// How many locks the shared lock table holds.
        var capacity: Int { locksPerTransaction * slots }
    }

    /// Whether a statement over every partition of the most partitioned table fits in the
    /// server's lock table. Each estimate version's SOW items are a partition of `sow_item`
    /// (migration 12), so this grows with every XACT raw import: measured with the default
    /// settings (64 × 100), 3,003 partitions of `sow_item` made a reader's join of `sow_item`
    /// and `sow`, and (before migration 13) every XACT components publish, fail with "out of
    /// shared memory"; 1,503 did not (the lock table has some slack beyond its nominal size).
    /// `gc` merges old versions' tables (`VersionTable`, XACT raw), which keeps the count low.
    static func lockTableCheck(_ usage: PartitionLocks?) -> Check {
        guard let usage, usage.partitions > 0 else {
            return Check(name: "lock table", outcome: .ok, detail: "no partitioned table has partitions yet")
        }
        let detail = "\(usage.table) has \(usage.partitions) partition(s) with \(usage.indexes) index(es): a statement over all of them "
            + "takes about \(usage.locksNeeded) locks; the lock table holds \(usage.capacity) "
            + "(max_locks_per_transaction \(usage.locksPerTransaction) × \(usage.slots) connections and prepared transactions)"
        if 2 * usage.locksNeeded <= usage.capacity {
            return Check(name: "lock table", outcome: .ok, detail: detail)
        }
        // Room for two such statements at once, rounded up to a multiple of 64.
        let advised = (2 * usage.locksNeeded / usage.slots + 64) / 64 * 64
        let advice = ": raise max_locks_per_transaction to at least \(advised) (a server restart) before statements fail with "
            + "\"out of shared memory\""
        return Check(name: "lock table", outcome: usage.locksNeeded <= usage.capacity ? .warning : .failed, detail: detail + advice)
    }

    /// ``PartitionLocks`` of `schema`'s most partitioned table; nil when it has none.
    static func partitionLocks(_ connection: PostgresConnection, schema: String) throws -> PartitionLocks? {
        guard let row = try connection.query(
            """
            SELECT p.relname, count(DISTINCT i.inhrelid), count(x.indexrelid),
                   current_setting('max_locks_per_transaction')::int,
                   current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int
            FROM pg_class p
            JOIN pg_namespace n ON n.oid = p.relnamespace
            JOIN pg_inherits i ON i.inhparent = p.oid
            LEFT JOIN pg_index x ON x.indrelid = i.inhrelid
            WHERE p.relkind = 'p' AND n.nspname = $1
            GROUP BY p.relname
            ORDER BY 2 * count(DISTINCT i.inhrelid) + count(x.indexrelid) DESC, p.relname
            LIMIT 1
            """, schema
        ).first else { return nil }
        return PartitionLocks(
            table: try row.require(0, as: String.self), partitions: try row.require(1, as: Int.self),
            indexes: try row.require(2, as: Int.self), locksPerTransaction: try row.require(3, as: Int.self),
            slots: try row.require(4, as: Int.self))
    }
}
