public import IngestCore
public import IngestPostgres

/// PRICE_LIST: a new revision of the Golden price list from a Xactimate price-list export
/// (spec §4, DESIGN §2–§3), in `merge` (default) or `replace` mode.
///
/// `prepare` creates the revision (max Golden revision + 1), **inactive**, and notes the
/// latest published revision as the previous one. Rows are partitioned by canonical key
/// hash, so every row of one price meets in one chunk: the chunk keeps the last row by file
/// line, drops Delete-marked rows (merge), stamps `last_known_unit_price` from the previous
/// revision and the division from `cat_division`, and counts. `finalize` carries forward
/// the previous items the file did not touch (merge), numbers the lines, then deactivates
/// the old revision and activates the new one in the transaction that marks the job
/// SUCCEEDED: readers of `golden_price_list_item_current` switch at once, and a failed
/// import leaves the previous revision current.
public struct GoldenPETLImporter: Importer {
    /// The mode the job is planned with (later steps read it back from the job's facts).
    public let options: ImportOptions

    /// An importer for a job with `options` (Golden PETL reads only `mode`).
    public init(options: ImportOptions = ImportOptions()) { self.options = options }

    public var strategy: String { "PRICE_LIST:canonical-key-hash" }
    public var target: String { "golden" }

    public func makeMapper(header: [String]) throws(ImportFailure) -> GoldenPETLMapper {
        try GoldenPETLMapper(header: header)
    }

    /// Creates the new, inactive revision under the Golden revision lock, so two imports
    /// never take the same revision.
    public func prepare(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        try GoldenRevisions.lock(connection)
        let previous = try GoldenRevisions.latestPublished(connection)
        let revision = try connection.query("SELECT coalesce(max(revision), 0) + 1 FROM price_list WHERE kind = 'GOLDEN'")
            .first!.require(0, as: Int.self)
        let list = try connection.query(
            """
            INSERT INTO price_list (kind, code, label, revision, currency, is_active, import_job_id)
            VALUES ('GOLDEN', 'XACT_ALL', $1, $2, 'USD', false, $3) RETURNING id
            """, "Golden Price List (import job \(job.jobId) in progress)", revision, job.jobId)
        let listId = try list.first!.require(0, as: Int64.self)
        try RevisionStorage(listId: listId).create(connection)
        return [
            "priceListId": .int(listId),
            "revision": .int(Int64(revision)),
            "previousPriceListId": previous.map { .int($0.id) } ?? .null,
            "previousRevision": previous.map { .int(Int64($0.revision)) } ?? .null,
            "mode": .string(options.mode.rawValue),
        ]
    }

    /// The staging table's columns, in ``encode(_:line:job:into:)`` order.
    static let stagingColumns = [
        "line", "canonical_key_hash", "delete_mark", "cat", "sel", "activity", "description", "group_code",
        "group_description", "unit", "unit_price", "coverage", "owner", "source_vendor", "source_date", "raw_json",
    ]

    public func beginChunk(_ connection: PostgresConnection, job: JobContext) throws -> String {
        try connection.executeScript(
            """
            CREATE TEMP TABLE nexus_chunk_price_item (
                line integer NOT NULL,
                canonical_key_hash text NOT NULL,
                delete_mark boolean NOT NULL,
                cat text,
                sel text,
                activity text,
                description text,
                group_code text,
                group_description text,
                unit text,
                unit_price numeric,
                coverage text,
                owner text,
                source_vendor text,
                source_date date,
                raw_json text NOT NULL
            ) ON COMMIT DROP
            """)
        return try connection.copyStatement(table: "nexus_chunk_price_item", columns: Self.stagingColumns)
    }

    public func encode(_ record: GoldenPETLRecord, line: Int, job: JobContext, into writer: inout CopyInWriter) throws {
        try writer.writeTextRow([
            String(line), record.canonicalKeyHash, record.deleteMark ? "t" : "f", record.cat, record.sel, record.activity,
            record.description, record.groupCode, record.groupDescription, record.unit, record.unitPrice, record.coverage,
            record.owner, record.sourceVendor, record.sourceDate?.description, record.rawJSON,
        ])
    }

    /// Every row of the chunk as ``encode(_:line:job:into:)`` writes it; says whether any
    /// canonical key was written twice (a price the file repeats), so that ``endChunk(_:job:copiedRows:encoding:)``
    /// need not pick each key's last row when none was.
    public func encodeChunk(
        job: JobContext, into writer: inout CopyInWriter, rows: ChunkRows<GoldenPETLMapper>
    ) throws -> ChunkEncoding {
        var keys = KeyHashLog()
        try rows.forEachRow { record, line in
            try encode(record, line: line, job: job, into: &writer)
            keys.note(record.canonicalKeyHash.hashValue)
        }
        return ChunkEncoding(distinctKeys: keys.distinct())
    }

    /// Set-based statements into the revision's build table (``RevisionStorage``). Per hash:
    /// the last row by line that is not Delete-marked wins (in merge mode a Delete-marked row
    /// takes no part), and the previous revision's item, if any, gives
    /// `last_known_unit_price`. Winners are inserted whole, with their file line in `line_no`;
    /// a Delete mark on a previous item that no row of the file keeps leaves a tombstone
    /// (`line_no < 0`) so that finalize does not carry that item forward.
    /// Counters (merge mode, spec §4.3): a hash's first row is `updatedCount` when the
    /// previous revision has it, else `addedCount`; its later rows are `duplicateCount`;
    /// each Delete-marked row whose hash the previous revision has is `deletedCount`.
    public func endChunk(
        _ connection: PostgresConnection, job: JobContext, copiedRows: Int, encoding: ChunkEncoding
    ) throws -> ChunkCounts {
        let priceListId = try job.id("priceListId")
        let merge = try Self.mode(of: job) == .merge
        let previousId = job.facts["previousPriceListId"]?.intValue.map(Int64.init)
        // Statistics for the planner (temporary tables are never auto-analyzed), and memory
        // for the per-hash aggregate to stay off disk.
        try connection.query("ANALYZE nexus_chunk_price_item")
        try connection.query("SET LOCAL work_mem = '64MB'")
        let build = RevisionStorage(listId: priceListId).buildTable
        let chunk = encoding.distinctKeys
            ? try Self.loadDistinct(connection, into: build, listId: priceListId, previousId: previousId, merge: merge)
            : try Self.loadGrouped(connection, into: build, listId: priceListId, previousId: previousId, merge: merge)
        // The latest Date of the file becomes the revision's effective date; kept on the
        // (still inactive) revision row so that finalize sees the maximum over all chunks.
        // Last in the chunk, so the row lock is held only until the chunk commits.
        if let latestDate = chunk.latestDate {
            try connection.query(
                "UPDATE price_list SET effective_date = greatest(effective_date, $2::date) WHERE id = $1",
                priceListId, latestDate)
        }
        guard merge else { return ChunkCounts(writtenRows: chunk.written) }
        return ChunkCounts(writtenRows: chunk.written, stats: [
            "updatedCount": chunk.updated, "addedCount": chunk.added, "duplicateCount": chunk.duplicates,
            "deletedCount": chunk.deleted,
        ])
    }

    /// What one chunk wrote into the build table, and its counters.
    private struct ChunkOutcome {
        var written: Int
        var updated: Int
        var added: Int
        var duplicates: Int
        var deleted: Int
        /// The latest `Date` of the chunk's rows (as `date` text), if any.
        var latestDate: String?
    }

    /// Inserts the staging rows (`s`) that `condition` picks as their keys' winners into the
    /// build table, each with the previous revision's price of its key (parameter 1 names that
    /// revision, 3 the new one) and its Cat's division (the first `cat_division` row of its
    /// upper-cased, trimmed Cat).
    private static func insertWinners(into build: String, where condition: String) -> String {
        """
        INSERT INTO \(build) (price_list_id, \(RevisionStorage.columns.joined(separator: ", ")))
        SELECT $3, s.line, s.group_code, s.group_description, s.description, s.cat, s.sel, s.unit, s.unit_price,
               p.unit_price, s.coverage, s.activity, s.owner, s.source_vendor, s.source_date,
               s.raw_json::jsonb, s.canonical_key_hash, d.division_code
        FROM nexus_chunk_price_item s
        LEFT JOIN price_list_item p ON p.price_list_id = $1::bigint AND p.canonical_key_hash = s.canonical_key_hash
        LEFT JOIN (
            SELECT DISTINCT ON (upper(btrim(cat))) upper(btrim(cat)) AS cat_key, division_code
            FROM cat_division
            ORDER BY upper(btrim(cat)), id
        ) d ON d.cat_key = upper(s.cat)
        WHERE \(condition)
        """
    }

    /// A chunk in which some canonical key may have several rows: one statement groups the
    /// rows per hash (narrow columns only) and inserts the staging rows whose line won. As a
    /// semi-join the winning lines are hashed and the wide rows stream past them; joined to
    /// the groups, the wide rows were hashed instead, spilling to disk (a 250k-row chunk with
    /// 5% repeats: 2.8–3.0 s instead of 3.0–3.5 s, measured alone).
    private static func loadGrouped(
        _ connection: PostgresConnection, into build: String, listId: Int64, previousId: Int64?, merge: Bool
    ) throws -> ChunkOutcome {
        let row = try connection.query(
            """
            WITH keys AS (
                SELECT canonical_key_hash,
                       max(line) FILTER (WHERE NOT (delete_mark AND $2::boolean)) AS winner_line,
                       count(*) FILTER (WHERE NOT (delete_mark AND $2::boolean)) AS kept_rows,
                       max(line) FILTER (WHERE delete_mark AND $2::boolean) AS delete_line,
                       count(*) FILTER (WHERE delete_mark AND $2::boolean) AS delete_rows
                FROM nexus_chunk_price_item
                GROUP BY canonical_key_hash
            ), known AS (
                SELECT k.*, p.id IS NOT NULL AS known
                FROM keys k
                LEFT JOIN price_list_item p ON p.price_list_id = $1::bigint AND p.canonical_key_hash = k.canonical_key_hash
            ), inserted AS (
                \(insertWinners(into: build, where: "s.line IN (SELECT winner_line FROM keys)"))
                RETURNING 1
            ), tombstones AS (
                INSERT INTO \(build) (price_list_id, line_no, canonical_key_hash)
                SELECT $3, -delete_line, canonical_key_hash FROM known
                WHERE winner_line IS NULL AND known
            )
            SELECT (SELECT count(*) FROM inserted),
                   count(*) FILTER (WHERE winner_line IS NOT NULL AND known),
                   count(*) FILTER (WHERE winner_line IS NOT NULL AND NOT known),
                   coalesce(sum(kept_rows - 1) FILTER (WHERE kept_rows > 0), 0),
                   coalesce(sum(delete_rows) FILTER (WHERE known), 0),
                   (SELECT max(source_date)::text FROM nexus_chunk_price_item)
            FROM known
            """,
            previousId, merge, listId
        ).first!
        return ChunkOutcome(
            written: try row.require(0, as: Int.self), updated: try row.require(1, as: Int.self),
            added: try row.require(2, as: Int.self), duplicates: try row.require(3, as: Int.self),
            deleted: try row.require(4, as: Int.self), latestDate: try row.decode(5, as: String.self))
    }

    /// A chunk in which every canonical key has one row (``encodeChunk(job:into:rows:)`` saw no
    /// repeat): each row that is not Delete-marked is its key's winner and goes into the build
    /// table as it is, with no grouping and no join back to the wide rows (a 225k-row chunk:
    /// 2.5 s instead of 3.6 s, measured alone); the counters and tombstones come from the
    /// narrow columns.
    private static func loadDistinct(
        _ connection: PostgresConnection, into build: String, listId: Int64, previousId: Int64?, merge: Bool
    ) throws -> ChunkOutcome {
        let written = try connection.query(
            insertWinners(into: build, where: "NOT (s.delete_mark AND $2::boolean)"), previousId, merge, listId
        ).affectedRows
        let row = try connection.query(
            """
            WITH rows AS (
                SELECT s.line, s.canonical_key_hash, s.source_date, s.delete_mark AND $2::boolean AS deleted,
                       p.id IS NOT NULL AS known
                FROM nexus_chunk_price_item s
                LEFT JOIN price_list_item p ON p.price_list_id = $1::bigint AND p.canonical_key_hash = s.canonical_key_hash
            ), tombstones AS (
                INSERT INTO \(build) (price_list_id, line_no, canonical_key_hash)
                SELECT $3, -line, canonical_key_hash FROM rows WHERE deleted AND known
            )
            SELECT count(*) FILTER (WHERE NOT deleted AND known), count(*) FILTER (WHERE NOT deleted AND NOT known),
                   count(*) FILTER (WHERE deleted AND known), max(source_date)::text
            FROM rows
            """,
            previousId, merge, listId
        ).first!
        return ChunkOutcome(
            written: written, updated: try row.require(0, as: Int.self), added: try row.require(1, as: Int.self),
            duplicates: 0, deleted: try row.require(2, as: Int.self), latestDate: try row.decode(3, as: String.self))
    }

    /// Checks that the previous revision is still the latest published one, carries forward
    /// (merge), numbers the lines, publishes, and logs.
    /// - Throws: ``ImportFailure/Code/precondition`` when the file had no data rows (spec
    ///   §4.3), or none that could be used, or the latest published Golden revision is no
    ///   longer the one this import started from (another import published one meanwhile:
    ///   publishing this one would silently drop that one's changes, or put an older revision
    ///   over a newer one).
    public func finalize(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        try Self.requireUsableRows(job)
        let priceListId = try job.id("priceListId")
        let previousId = job.facts["previousPriceListId"]?.intValue.map(Int64.init)
        let mode = try Self.mode(of: job)

        try GoldenRevisions.lock(connection)
        let latest = try GoldenRevisions.latestPublished(connection, excluding: priceListId)
        if latest?.id != previousId {
            let started = job.facts["previousRevision"]?.intValue.map { "revision \($0)" } ?? "no revision"
            let now = latest.map { "revision \($0.revision) is the latest now" } ?? "no published revision is left"
            throw ImportFailure(
                code: .precondition,
                message: "The Golden price list changed while this import ran (it started from \(started); \(now)); "
                    + "nothing was published: import the file again")
        }

        // The attach's table locks first, in the order every publish and gc takes them.
        try ComponentSetStorage.lockTables(connection)
        let itemCount = try RevisionStorage(listId: priceListId).publish(
            connection, carryingFrom: mode == .merge ? previousId : nil)

        try connection.query(
            "UPDATE price_list SET is_active = false, updated_at = now() WHERE kind = 'GOLDEN' AND is_active AND id <> $1",
            priceListId)
        let published = try connection.query(
            """
            UPDATE price_list SET is_active = true, updated_at = now(), published_at = now(),
                effective_date = coalesce(effective_date, (now() AT TIME ZONE 'UTC')::date),
                label = CASE WHEN effective_date IS NULL THEN 'Golden Price List'
                             ELSE 'Golden Price List (' || to_char(effective_date, 'YYYY-MM-DD') || ')' END
            WHERE id = $1 RETURNING revision
            """, priceListId
        ).first!
        // The legacy worker logged only jobs that belong to a company (the log's company_id
        // is required); the job's user is the one who changed the prices.
        if let company = job.companyId {
            try connection.query(
                """
                INSERT INTO golden_price_update_log
                    (company_id, price_list_id, import_job_id, changed_by, updated_count, avg_delta, avg_percent_delta, source)
                VALUES ($1, $2, $3, $4, $5, 0, 0, 'GOLDEN_PETL')
                """, company, priceListId, job.jobId, job.createdBy, itemCount)
        }

        var mergeStats: JSONValue = .null
        if mode == .merge {
            // Every kept row of the file was counted as updated or added by its chunk; the
            // rest of the revision was carried forward.
            let supplied = (job.chunkStats["updatedCount"] ?? 0) + (job.chunkStats["addedCount"] ?? 0)
            var counters: [String: JSONValue] = [
                "updatedCount": 0, "addedCount": 0, "deletedCount": 0, "duplicateCount": 0,
                "unchangedCount": .int(Int64(itemCount - supplied)),
            ]
            for (key, sum) in job.chunkStats where counters[key] != nil { counters[key] = .int(Int64(sum)) }
            mergeStats = .object(counters)
        }
        return [
            "priceListId": .int(priceListId),
            "revision": .int(try published.require(0, as: Int64.self)),
            "itemCount": .int(Int64(itemCount)),
            "mode": .string(mode.rawValue),
            "mergeStats": mergeStats,
        ]
    }

    /// Spec §4.3: a file without data rows, or without one that could be used, publishes nothing
    /// (checked before the diff, so that such a file fails rather than waits for approval).
    static func requireUsableRows(_ job: JobContext) throws(ImportFailure) {
        let dataRows = job.plan["dataRows"] ?? 0
        guard dataRows > 0 else { throw ImportFailure(code: .precondition, message: "Price list CSV has no data rows") }
        if dataRows == (job.plan["rejectedRows"] ?? 0) + (job.plan["skippedRows"] ?? 0) {
            throw ImportFailure(
                code: .precondition, message: "Price list CSV has no usable data rows: all \(dataRows) were rejected")
        }
    }

    /// The mode `prepare` recorded for the job.
    static func mode(of job: JobContext) throws(ImportFailure) -> ImportOptions.Mode {
        guard let name = job.facts["mode"]?.stringValue, let mode = ImportOptions.Mode(rawValue: name) else {
            throw ImportFailure(code: .internalError, message: "job \(job.jobId) has no Golden PETL mode in its plan")
        }
        return mode
    }
}
