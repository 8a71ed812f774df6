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

    /// What a chunk's `COPY` fills: ``loadedColumns``, and in the build table only
    /// `contributor_count`, how many rows of the file Delete-marked the row's key (merge), which
    /// ``number(_:previous:carryForward:)`` counts; the revision's items get the column's default.
    static let chunkColumns = ["price_list_id"] + loadedColumns + ["contributor_count"]

    /// Creates the empty build table (`prepare`). Its rows take no `id` (publishing gives each
    /// item its id): two chunks drawing one from the items' sequence per row took 2.80–2.86 s
    /// to copy 475k rows against 2.34 s without (measured alone).
    func create(_ connection: PostgresConnection) throws {
        try connection.executeScript(
            """
            CREATE TABLE \(buildTable) (LIKE price_list_item INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            ALTER TABLE \(buildTable) ALTER id DROP DEFAULT, ALTER id DROP NOT NULL
            """)
    }

    /// For the rest of the transaction: memory for sorts and hash tables to stay off disk, and
    /// hash joins instead of sorting the wide rows for merge joins (the diff and the publish).
    static let hashJoins = "SET LOCAL work_mem = '128MB';\nSET LOCAL enable_mergejoin = off"

    /// The temporary table of ``number(_:previous:carryForward:)``.
    static let numbers = "nexus_revision_number"

    /// Meets the build table's rows and the previous revision's items by canonical key, once
    /// per publishing transaction, into the temporary table ``numbers`` (dropped at commit),
    /// one row per key of either (a build row's key is unique: a winner or a tombstone) and one
    /// per previous item without a key (a list not built by nexus-ingest may hold some: no row
    /// of a file names them):
    /// - `supplied` (a winner; false for a tombstone, null for a key only the previous revision
    ///   has) and `known` (the previous revision has the key);
    /// - `previous_id`: the previous item's id for a key no build row names;
    /// - for a supplied key the previous revision knows: `previous_price` (the previous item's
    ///   `unit_price`, the new item's `last_known_unit_price`) and `differs` (any column but the
    ///   raw row differs); for one whose price moved, `new_price`, `cat`, `sel` and `activity`;
    /// - `marks`: the rows of the file that Delete-marked a key the previous revision has
    ///   (the merge's `deletedCount`, counted even when another row keeps the item);
    /// - `line_no` (spec §4.3 step 5, ``sortKey(of:)``) for the revision's items: the supplied
    ///   keys and, with `carryForward` (merge), the previous items no build row names (a tie in
    ///   the sort, only possible between items without a key, goes by `previous_id`).
    ///
    /// The publish guards' diff (``GoldenPETLImporter/diff(_:job:)``) and the publish read it:
    /// a second call in the same transaction finds it made (and must pass the same arguments;
    /// both take them from the job's facts). One join instead of three (the
    /// diff had its own full join of the wide rows, the marks a join of their own): merging
    /// the bench's 500k-row file over 480k items, diff 1.47–1.61 s + marks 0.22 s + numbers
    /// 2.14–2.31 s became 2.97–3.02 s; its replace, diff 0.53 s + numbers 1.31 s became 1.47 s
    /// (statement times of agent drops, alternated).
    /// - Parameter previous: the revision the import started from.
    func number(_ connection: PostgresConnection, previous: Int64?, carryForward: Bool) throws {
        guard try connection.query("SELECT to_regclass('pg_temp.\(Self.numbers)') IS NULL").first!.require(0, as: Bool.self) else {
            return
        }
        // Every loaded column but the line, the raw row and the key.
        let compared = Self.loadedColumns.filter { !["line_no", "raw_json", "canonical_key_hash"].contains($0) }
        let row = { (alias: String) in "ROW(" + compared.map { "\(alias).\($0)" }.joined(separator: ", ") + ")" }
        // Statistics for the joins, from a sample (``StorageTables/analyzeFromSample(_:)``): without
        // them the planner looked each build row's key up in the previous revision's index
        // (1.96 s against 0.93 s hashed, merging 465k rows over 480k). The numbers go into a
        // table of their own, analyzed, not a CTE: with no statistics on a CTE's keys the
        // planner hashed the wide build rows to join them to their numbers, two batches on disk
        // (the numbered INSERT of that merge: 5.6 s as one statement, 2.1 + 2.1 s now). The
        // build rows and the previous items meet in one full join, one scan of each: 2.3–3.0 s
        // -> 1.65–2.14 s for the numbers of that merge, the same numbers.
        try connection.executeScript(
            """
            \(Self.hashJoins);
            \(StorageTables.analyzeFromSample("\(buildTable) (line_no, canonical_key_hash, cat)"));
            CREATE TEMP TABLE \(Self.numbers) (
                canonical_key_hash text,
                previous_id bigint,
                supplied boolean,
                known boolean NOT NULL,
                previous_price numeric,
                new_price numeric,
                differs boolean,
                cat text,
                sel text,
                activity text,
                marks integer,
                line_no bigint
            ) ON COMMIT DROP
            """)
        // Only the items (`final`) have a sort key, so only they are numbered; the rest sort
        // last. The subquery is computed before the sort (`OFFSET 0`): flattened, the sort
        // carried both rows' compared columns and spilled to disk (3.7 s against 2.4–2.6 s).
        try connection.query(
            """
            INSERT INTO \(Self.numbers)
            SELECT hash, previous_id, supplied, known, previous_price, new_price, differs, cat, sel, activity, marks,
                   CASE WHEN final THEN row_number() OVER (ORDER BY sort_key COLLATE "C", previous_id) END
            FROM (
                SELECT coalesce(b.canonical_key_hash, p.canonical_key_hash) AS hash,
                       CASE WHEN b.canonical_key_hash IS NULL THEN p.id END AS previous_id, b.line_no >= 0 AS supplied,
                       p.id IS NOT NULL AS known,
                       CASE WHEN known_supplied.yes THEN p.unit_price END AS previous_price,
                       CASE WHEN moved.yes THEN b.unit_price END AS new_price,
                       CASE WHEN known_supplied.yes THEN \(row("b")) IS DISTINCT FROM \(row("p")) END AS differs,
                       CASE WHEN moved.yes THEN coalesce(b.cat, p.cat) END AS cat,
                       CASE WHEN moved.yes THEN coalesce(b.sel, p.sel) END AS sel,
                       CASE WHEN moved.yes THEN coalesce(b.activity, p.activity) END AS activity,
                       CASE WHEN p.id IS NOT NULL THEN b.contributor_count END AS marks,
                       final.yes AS final,
                       CASE WHEN final.yes THEN (CASE WHEN b.canonical_key_hash IS NOT NULL THEN \(Self.sortKey(of: "b"))
                                                      ELSE \(Self.sortKey(of: "p")) END) END AS sort_key
                FROM \(buildTable) b
                FULL JOIN (SELECT * FROM price_list_item WHERE price_list_id = $1::bigint) p
                    ON p.canonical_key_hash = b.canonical_key_hash
                CROSS JOIN LATERAL (SELECT b.line_no >= 0 AND p.id IS NOT NULL) known_supplied (yes)
                CROSS JOIN LATERAL (SELECT known_supplied.yes AND b.unit_price <> p.unit_price) moved (yes)
                CROSS JOIN LATERAL (SELECT coalesce(b.line_no >= 0, $2::boolean)) final (yes)
                OFFSET 0
            ) j
            """, previous, carryForward)
        try connection.executeScript(StorageTables.analyzeFromSample(Self.numbers))
    }

    /// What a publish wrote.
    struct Published {
        /// The revision's items.
        var items: Int
        /// Items the file supplies whose key the previous revision has.
        var updated: Int
        /// Items the file supplies whose key is new.
        var added: Int
        /// The Delete-marked rows of the file whose key the previous revision has (merge).
        var marked: Int
    }

    /// Writes the revision into its own table and attaches it, in the publishing transaction,
    /// which took ``ComponentSetStorage/lockTables(_:)`` first (the attach locks the tables that
    /// refer to the items, as a components publish does, in the same order).
    ///
    /// The items are the build table's rows that are not tombstones, each with the previous
    /// revision's price of its key (`last_known_unit_price`) and its Cat's division (the first
    /// `cat_division` row of its upper-cased, trimmed Cat), and, with `carryForward` (merge),
    /// the previous revision's items whose canonical key the build table does not hold
    /// (neither as a row nor as a tombstone) and those without a key, as they were, each with
    /// its number (``number(_:previous:carryForward:)``): the sort takes only the keys; the
    /// wide rows join to their number by key (a carried item by its previous id).
    /// - Parameter previous: the revision the import started from: its prices, and in a merge
    ///   its items.
    func publish(_ connection: PostgresConnection, previous: Int64?, carryForward: Bool) throws -> Published {
        let columns = Self.loadedColumns.dropFirst().joined(separator: ", ")
        let fromBuild = Self.loadedColumns.dropFirst().map { "b.\($0)" }.joined(separator: ", ")
        let fromPrevious = Self.loadedColumns.dropFirst().map { "p.\($0)" }.joined(separator: ", ")
        try number(connection, previous: previous, carryForward: carryForward)
        try connection.executeScript(
            StorageTables.createPartitionTable(
                revisionTable, of: "price_list_item", checkName: "list_check", column: "price_list_id", values: [listId]))
        let items = try connection.query(
            """
            INSERT INTO \(revisionTable) (price_list_id, line_no, \(columns), last_known_unit_price, division_code)
            SELECT \(listId), n.line_no, \(fromBuild), n.previous_price, d.division_code
            FROM \(Self.numbers) n JOIN \(buildTable) b ON b.canonical_key_hash = n.canonical_key_hash AND b.line_no >= 0
            LEFT JOIN (
                SELECT DISTINCT ON (upper(btrim(cat))) upper(btrim(cat)) AS cat_key, division_code
                FROM cat_division
                ORDER BY upper(btrim(cat)), id
            ) d ON d.cat_key = upper(b.cat)
            WHERE n.supplied
            UNION ALL
            SELECT \(listId), n.line_no, \(fromPrevious), p.last_known_unit_price, p.division_code
            FROM \(Self.numbers) n
            JOIN price_list_item p ON p.price_list_id = $1::bigint AND p.id = n.previous_id
            WHERE n.supplied IS NULL AND n.line_no IS NOT NULL
            """, previous
        ).affectedRows
        let counts = try connection.query(
            """
            SELECT count(*) FILTER (WHERE supplied AND known), count(*) FILTER (WHERE supplied AND NOT known),
                   coalesce(sum(marks), 0)
            FROM \(Self.numbers)
            """
        ).first!
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
            ANALYZE \(table) (\(Self.analyzedColumns.joined(separator: ", ")))
            """)
        return Published(
            items: items, updated: try counts.require(0, as: Int.self), added: try counts.require(1, as: Int.self),
            marked: try counts.require(2, as: Int.self))
    }

    /// The columns of a new revision's items analyzed as it is attached: those that readers
    /// and the other imports select and join by (the list, the key, Cat and Sel, the price,
    /// the division). An `ANALYZE` of some columns leaves the table's count of changed rows as
    /// it was, so autovacuum analyzes every column soon after the publish; the text columns
    /// and the raw JSON left for it cost most (475k items: 0.27–0.33 s instead of 0.62 s,
    /// measured alone).
    static let analyzedColumns = [
        "id", "price_list_id", "line_no", "canonical_key_hash", "cat", "sel", "activity", "unit_price", "division_code",
    ]

    /// Spec §4.3 step 5's order of the items of table `alias`: upper-case Cat, then Sel,
    /// Activity, Description, in byte order (COLLATE "C", ASCII upper-casing) so the numbering
    /// is the same on every server whatever its locale, empty before any text, and the
    /// canonical key (unique in a revision; empty for an item without one) last. As one text
    /// whose byte order is that order: each part with its U+0001 bytes doubled as 01 02 (text
    /// holds no NUL), then 01 01 before the next part. A sort on one text compares each pair
    /// once instead of part by part: numbering 475k items took 0.45 s instead of 1.06 s
    /// (measured alone).
    static func sortKey(of alias: String) -> String {
        ["upper(coalesce(\(alias).cat, '') COLLATE \"C\")", "coalesce(\(alias).sel, '')", "coalesce(\(alias).activity, '')",
         "coalesce(\(alias).description, '')"]
            .map { "replace(\($0), chr(1), chr(1) || chr(2)) || chr(1) || chr(1)" }.joined(separator: " || ")
            + " || coalesce(\(alias).canonical_key_hash, '')"
    }

    /// Drops the build tables of these unpublished revisions, and those of revisions that no
    /// longer exist (deleted along with their import). A revision table exists only attached:
    /// it is created in the transaction that attaches it.
    static func drop(_ connection: PostgresConnection, lists: [Int64]) throws {
        try StorageTables.drop(connection, prefix: buildPrefix, owners: "price_list", ids: lists)
    }
}
