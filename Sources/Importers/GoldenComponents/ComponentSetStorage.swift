import IngestPostgres

/// Where one Golden component set's rows live, and the SQL that builds, attaches and drops
/// that storage (migration 9: `price_list_component` is partitioned by set).
///
/// A set prepared since migration 9 loads into `price_list_component_s<id>`, a table of its own
/// with no index and no foreign key, checked only to hold its set's id (so that the attach
/// needs no scan). The publishing transaction builds its primary key, unique key and indexes
/// (each a sorted build instead of per-row upkeep) before the diff, and attaches it as the
/// set's partition, which validates its foreign keys (one set-based check each); until then
/// readers of `price_list_component` never see it. A set prepared before the upgrade
/// (``ownTable`` false) lives in the old table, which is the partition of every such set.
struct ComponentSetStorage: Sendable {
    /// The `price_list_component_set.id`.
    let setId: Int64
    /// Whether the set has a table of its own (prepared since migration 9).
    let ownTable: Bool

    /// The fact ``GoldenComponentsImporter/prepare(_:job:)`` records for a set with a table of its own.
    static let fact = "componentSetTable"

    init(setId: Int64, ownTable: Bool) {
        self.setId = setId
        self.ownTable = ownTable
    }

    /// The storage of the job's set.
    init(job: JobContext) throws(ImportFailure) {
        self.init(setId: try job.id("componentSetId"), ownTable: job.facts[Self.fact] == .bool(true))
    }

    /// The table the set's rows are written to and read from before it is published.
    var table: String { ownTable ? Self.tableName(setId) : "price_list_component" }

    /// `price_list_component_s<id>`.
    static func tableName(_ setId: Int64) -> String { "\(tablePrefix)\(setId)" }

    /// The name of a set's table without its id.
    static let tablePrefix = "price_list_component_s"

    /// Creates the set's own table: the columns, defaults and check constraints of
    /// `price_list_component` (a partition must have its parent's checks), no index, no key.
    static func create(_ connection: PostgresConnection, setId: Int64) throws {
        try connection.query(StorageTables.createPartitionTable(
            tableName(setId), of: "price_list_component", checkName: "set_check", column: "component_set_id", values: [setId]))
    }

    /// Takes the table locks that attaching a set's table takes for its foreign keys (SHARE ROW
    /// EXCLUSIVE on both tables they reference: no writes meanwhile), first in any
    /// transaction that publishes, rolls back or collects component sets, before any row lock
    /// on `price_list`. Always in this order, no two of them deadlock, nor do they with a
    /// concurrent prepare (which inserts a set and then checks its list's row) or a Golden PETL
    /// publish (which writes items and then flips its list).
    static func lockTables(_ connection: PostgresConnection) throws {
        try connection.query("LOCK TABLE price_list_component_set, price_list_item IN SHARE ROW EXCLUSIVE MODE")
    }

    /// Builds the primary key, unique key and indexes of a set with a table of its own (each a
    /// sorted build instead of per-row upkeep), unless they are built: the table is not attached,
    /// so only the import that loaded it sees it. Nothing to do for a set in the old table.
    func buildKeys(_ connection: PostgresConnection) throws {
        guard ownTable else { return }
        let table = Self.tableName(setId)
        guard try connection.query("SELECT to_regclass($1) IS NULL", "\(table)_pkey").first!.require(0, as: Bool.self) else { return }
        try connection.executeScript(
            """
            ALTER TABLE \(table) ADD CONSTRAINT \(table)_pkey PRIMARY KEY (id),
                ADD CONSTRAINT \(table)_set_item_code_key UNIQUE (component_set_id, price_list_item_id, component_code);
            CREATE INDEX \(table)_item_idx ON \(table) (price_list_item_id);
            CREATE INDEX \(table)_code_idx ON \(table) (component_code)
            """)
    }

    /// The set's components, and the items they belong to.
    ///
    /// With a table of its own, the items are counted by skipping through its item index
    /// (``buildKeys(_:)`` first) from one item to the next, one lookup per item, while that
    /// costs less than sorting the components: a set of 6.67M components on 66,670 items took
    /// 0.24–0.31 s, against 2.5–2.8 s for `count(DISTINCT price_list_item_id)`. With one
    /// component per item (the real export: 7,061 of each) the lookups took 55 ms and the sort
    /// 4 ms, so the skipping stops after one lookup per 16 components and the sort counts.
    func counts(_ connection: PostgresConnection) throws -> (components: Int, items: Int) {
        guard ownTable else {
            let row = try connection.query(
                "SELECT count(*), count(DISTINCT price_list_item_id) FROM price_list_component WHERE component_set_id = $1", setId
            ).first!
            return (try row.require(0, as: Int.self), try row.require(1, as: Int.self))
        }
        try buildKeys(connection)
        let table = Self.tableName(setId)
        let components = try connection.query("SELECT count(*) FROM \(table)").first!.require(0, as: Int.self)
        // The last lookup finds no item (a null id) unless the limit stopped it first.
        let skipped = try connection.query(
            """
            WITH RECURSIVE item (id, lookups) AS (
                SELECT min(price_list_item_id), 1 FROM \(table)
                UNION ALL
                SELECT (SELECT min(price_list_item_id) FROM \(table) WHERE price_list_item_id > item.id), item.lookups + 1
                FROM item WHERE item.id IS NOT NULL AND item.lookups < $1
            )
            SELECT count(id), bool_or(id IS NULL) FROM item
            """, max(1, components / 16)
        ).first!
        if try skipped.require(1, as: Bool.self) {
            return (components, try skipped.require(0, as: Int.self))
        }
        let items = try connection.query("SELECT count(DISTINCT price_list_item_id) FROM \(table)").first!.require(0, as: Int.self)
        return (components, items)
    }

    /// Attaches a set with a table of its own as the set's partition (building its keys and
    /// indexes first unless ``buildKeys(_:)`` did), in the caller's (publishing) transaction,
    /// which took ``lockTables(_:)`` first. The attach gives the table the parent's foreign
    /// keys and validates them, one pass each. (Adding them to the table before the attach
    /// would make the attach drop the table's own triggers on the referenced tables, which
    /// takes ACCESS EXCLUSIVE locks on them: every reader of the items would wait, and
    /// publishes deadlocked.) Nothing to do for a set in the old table.
    func attach(_ connection: PostgresConnection) throws {
        guard ownTable else { return }
        try buildKeys(connection)
        try connection.query("ALTER TABLE price_list_component ATTACH PARTITION \(Self.tableName(setId)) FOR VALUES IN (\(setId))")
    }

    /// Drops the tables of these sets (attached or not), and those of sets that no longer
    /// exist (a set deleted along with its price list); sets in the old table keep it.
    static func drop(_ connection: PostgresConnection, sets: [Int64]) throws {
        try lockTables(connection)
        try StorageTables.drop(connection, prefix: tablePrefix, owners: "price_list_component_set", ids: sets)
    }
}
