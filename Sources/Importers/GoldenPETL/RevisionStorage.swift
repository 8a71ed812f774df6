import IngestPostgres

/// Where one Golden revision's items are built, and the SQL that builds, numbers, attaches and
/// drops that storage (migration 11: `price_list_item` is partitioned by revision).
///
/// The chunks copy the revision's winning rows (file line in `line_no`) and its Delete-mark
/// tombstones (`line_no` below zero) into `price_list_item_b<list id>`, a table with the
/// columns and check constraints of `price_list_item` and no index, no foreign key and no
/// trigger (a user's row trigger on `price_list_item` does not fire for imported rows).
/// Publishing writes every item once into `price_list_item_r<list id>`, numbered in sort order,
/// with its previous price and division and the merge's carry-forward from the previous
/// revision in the same statement; then builds that table's keys and indexes (each a sorted
/// build instead of per-row upkeep) and attaches it as the revision's partition. Until then
/// readers of `price_list_item` never see the revision. Measured on 500k rows: see
/// `BENCHMARKS.md`, seventh round.
struct RevisionStorage: Sendable {
    /// The `price_list.id` of the revision.
    let listId: Int64

    /// The build table the chunks write to: `price_list_item_b<id>`.
    var buildTable: String { "\(Self.buildPrefix)\(listId)" }

    /// The build table's name without its id.
    static let buildPrefix = "price_list_item_b"

    /// The revision's partition: `price_list_item_r<id>`.
    var revisionTable: String { "price_list_item_r\(listId)" }

    /// The columns the chunks write (besides `price_list_id`) and publishing copies; the
    /// tombstones fill only `line_no` and `canonical_key_hash`. Publishing adds the previous
    /// price and the division. (Build tables of imports loading when nexus-ingest was
    /// upgraded may hold both: publishing takes neither from them.)
    static let loadedColumns = [
        "line_no", "group_code", "group_description", "description", "cat", "sel", "unit", "unit_price", "coverage",
        "activity", "owner", "source_vendor", "source_date", "raw_json", "canonical_key_hash",
    ]

    /// Creates the empty build table (`prepare`).
    func create(_ connection: PostgresConnection) throws {
        try connection.query("CREATE TABLE \(buildTable) (LIKE price_list_item INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    }

    /// Writes the revision into its own table and attaches it, in the publishing transaction,
    /// which took ``ComponentSetStorage/lockTables(_:)`` first (the attach locks the tables that
    /// refer to the items, as a components publish does, in the same order).
    ///
    /// The items are the build table's rows that are not tombstones, each with the previous
    /// revision's price of its key (`last_known_unit_price`) and its Cat's division (the first
    /// `cat_division` row of its upper-cased, trimmed Cat), and, when `carryingFrom` is a
    /// revision (merge), that revision's items whose canonical key the build table does not
    /// hold (neither as a row nor as a tombstone), as they were. Spec §4.3 step 5 numbers them:
    /// upper-case Cat, then Sel, Activity, Description; byte order (COLLATE "C", ASCII
    /// upper-casing) so the numbering is the same on every server whatever its locale; empty
    /// before any text; the canonical key (unique in a revision) breaks ties. The sort takes
    /// only those keys; the wide rows join to their number by key.
    /// - Parameter previous: the revision the import started from: its prices, and in a merge
    ///   its items.
    /// - Returns: how many items the revision holds.
    func publish(_ connection: PostgresConnection, previous: Int64?, carryForward: Bool) throws -> Int {
        let columns = Self.loadedColumns.dropFirst().joined(separator: ", ")
        let fromBuild = Self.loadedColumns.dropFirst().map { "b.\($0)" }.joined(separator: ", ")
        let fromPrevious = Self.loadedColumns.dropFirst().map { "p.\($0)" }.joined(separator: ", ")
        let sortKey = "\(Self.sortKey) AS sort_key, canonical_key_hash"
        // Memory for the narrow sort and the hash tables to stay off disk, for this transaction
        // only. The build table is not analyzed (1.6 s of a 500k-row publish): without
        // statistics the planner sizes it by its pages, which is enough for hash joins, but it
        // took the numbers' join to the wide rows for a merge join, sorting every wide row on
        // disk; hashing the narrow numbers instead: 3.8–4.0 s instead of 5.4–5.7 s for the
        // statement (500k items, measured alone).
        try connection.query("SET LOCAL work_mem = '128MB'")
        try connection.query("SET LOCAL enable_mergejoin = off")
        try connection.query(StorageTables.createPartitionTable(
            revisionTable, of: "price_list_item", checkName: "list_check", column: "price_list_id", values: [listId]))
        let items = try connection.query(
            """
            WITH keys AS (
                SELECT \(sortKey), false AS carried FROM \(buildTable) WHERE line_no >= 0
                UNION ALL
                SELECT \(sortKey), true FROM price_list_item p
                WHERE $2::boolean AND p.price_list_id = $1::bigint
                  AND NOT EXISTS (SELECT 1 FROM \(buildTable) b WHERE b.canonical_key_hash = p.canonical_key_hash)
            ), numbered AS MATERIALIZED (
                SELECT canonical_key_hash, carried, row_number() OVER (ORDER BY sort_key COLLATE "C") AS line_no
                FROM keys
            )
            INSERT INTO \(revisionTable) (price_list_id, line_no, \(columns), last_known_unit_price, division_code)
            SELECT \(listId), n.line_no, \(fromBuild), p.unit_price, d.division_code
            FROM numbered n JOIN \(buildTable) b ON b.canonical_key_hash = n.canonical_key_hash AND b.line_no >= 0
            LEFT JOIN price_list_item p ON p.price_list_id = $1::bigint AND p.canonical_key_hash = b.canonical_key_hash
            LEFT JOIN (
                SELECT DISTINCT ON (upper(btrim(cat))) upper(btrim(cat)) AS cat_key, division_code
                FROM cat_division
                ORDER BY upper(btrim(cat)), id
            ) d ON d.cat_key = upper(b.cat)
            WHERE NOT n.carried
            UNION ALL
            SELECT \(listId), n.line_no, \(fromPrevious), p.last_known_unit_price, p.division_code
            FROM numbered n JOIN price_list_item p ON p.price_list_id = $1::bigint AND p.canonical_key_hash = n.canonical_key_hash
            WHERE n.carried
            """, previous, carryForward
        ).affectedRows
        let table = revisionTable
        try connection.executeScript(
            """
            DROP TABLE \(buildTable);
            ALTER TABLE \(table) ADD CONSTRAINT \(table)_pkey PRIMARY KEY (id, price_list_id),
                ADD CONSTRAINT \(table)_price_list_canonical_hash_key UNIQUE (price_list_id, canonical_key_hash);
            CREATE INDEX \(table)_list_cat_sel_idx ON \(table) (price_list_id, cat, sel);
            CREATE INDEX \(table)_division_code_idx ON \(table) (division_code);
            CREATE INDEX \(table)_source_category_idx ON \(table) (source_category);
            CREATE INDEX \(table)_catalog_item_id_idx ON \(table) (catalog_item_id);
            CREATE INDEX \(table)_list_sku_vendor_idx ON \(table) (price_list_id, sku, source_vendor);
            ALTER TABLE price_list_item ATTACH PARTITION \(table) FOR VALUES IN (\(listId));
            ANALYZE \(table)
            """)
        return items
    }

    /// The build table's rows that are not tombstones, as the revision `previous` has their
    /// keys (`updated`) or not (`added`): the merge's counters of the rows the file supplies.
    func suppliedCounts(_ connection: PostgresConnection, previous: Int64?) throws -> (updated: Int, added: Int) {
        let row = try connection.query(
            """
            SELECT count(p.id), count(*) - count(p.id)
            FROM \(buildTable) b
            LEFT JOIN price_list_item p ON p.price_list_id = $1::bigint AND p.canonical_key_hash = b.canonical_key_hash
            WHERE b.line_no >= 0
            """, previous
        ).first!
        return (try row.require(0, as: Int.self), try row.require(1, as: Int.self))
    }

    /// Spec §4.3 step 5's sort of an item (upper-case Cat, then Sel, Activity, Description,
    /// then the canonical key) as one text whose byte order is that order: each part with its
    /// U+0001 bytes doubled as 01 02 (text holds no NUL), then 01 01 before the next part. A
    /// sort on one text compares each pair once instead of part by part: numbering 475k items
    /// took 0.45 s instead of 1.06 s (measured alone).
    static let sortKey = ["upper(coalesce(cat, '') COLLATE \"C\")", "coalesce(sel, '')", "coalesce(activity, '')", "coalesce(description, '')"]
        .map { "replace(\($0), chr(1), chr(1) || chr(2)) || chr(1) || chr(1)" }.joined(separator: " || ") + " || canonical_key_hash"

    /// Drops the build tables of these unpublished revisions, and those of revisions that no
    /// longer exist (deleted along with their import). A revision table exists only attached:
    /// it is created in the transaction that attaches it.
    static func drop(_ connection: PostgresConnection, lists: [Int64]) throws {
        try StorageTables.drop(connection, prefix: buildPrefix, owners: "price_list", ids: lists)
    }
}
