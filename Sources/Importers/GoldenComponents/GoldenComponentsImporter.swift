public import IngestCore
public import IngestPostgres

/// PRICE_LIST_COMPONENTS: attaches component breakdowns to the items of the active Golden
/// price list (spec §5, DESIGN §2–§3).
///
/// `prepare` binds the job to the active Golden list and creates a new, inactive component
/// set with a table of its own (``ComponentSetStorage``). Each chunk combines its rows per (CAT, SEL, component code) as it copies them into a
/// staging table, adds up the parts and fans them out to every item of that CAT/SEL. `finalize` flips the new
/// set active (once its table is indexed, keyed and attached) and the previous one inactive in
/// one transaction, so readers of
/// `price_list_component_current` switch from the old set to the complete new one at once.
/// A failed job leaves its set inactive and the previous one current.
public struct GoldenComponentsImporter: Importer {
    public init(options: ImportOptions = ImportOptions()) {}

    public var strategy: String { "PRICE_LIST_COMPONENTS:cat-sel-hash" }
    public var target: String { "golden" }

    public func makeMapper(header: [String]) throws(ImportFailure) -> GoldenComponentsMapper {
        try GoldenComponentsMapper(header: header)
    }

    /// An active Golden list must exist.
    public func check(_ connection: PostgresConnection) throws {
        _ = try activeList(connection)
    }

    public func prepare(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        let (priceListId, revision) = try activeList(connection)
        let set = try connection.query(
            "INSERT INTO price_list_component_set (price_list_id, import_job_id) VALUES ($1, $2) RETURNING id",
            priceListId, job.jobId)
        let setId = try set.first!.require(0, as: Int64.self)
        try ComponentSetStorage.create(connection, setId: setId)
        return [
            "priceListId": .int(priceListId),
            "priceListRevision": .int(revision),
            "componentSetId": .int(setId),
            ComponentSetStorage.fact: .bool(true),
        ]
    }

    /// The active Golden list: id and revision.
    private func activeList(_ connection: PostgresConnection) throws -> (Int64, Int64) {
        let active = try connection.query(
            """
            SELECT id, revision FROM price_list
            WHERE kind = 'GOLDEN' AND is_active ORDER BY revision DESC LIMIT 1
            """)
        guard let list = active.first else {
            throw ImportFailure(code: .precondition, message: "No active GOLDEN price list found: import a Golden PETL file first")
        }
        return (try list.require(0, as: Int64.self), try list.require(1, as: Int64.self))
    }

    public func beginChunk(_ connection: PostgresConnection, job: JobContext) throws -> String {
        // The chunk's aggregate and fan-out sort and hash up to a chunk of rows: with the
        // default 4 MB they spilled to disk (a 500k-row chunk's statement took 9.0 s, 7.0 s
        // with 64 MB), for this transaction only.
        try connection.query("SET LOCAL work_mem = '64MB'")
        try connection.executeScript(
            """
            CREATE TEMP TABLE nexus_chunk_component (
                line integer NOT NULL,
                rows integer NOT NULL,
                cat text NOT NULL,
                sel text NOT NULL,
                component_code text NOT NULL,
                description text,
                quantity numeric,
                material numeric,
                labor numeric,
                equipment numeric
            ) ON COMMIT DROP
            """)
        return try connection.copyStatement(
            table: "nexus_chunk_component",
            columns: ["line", "rows", "cat", "sel", "component_code", "description", "quantity", "material", "labor", "equipment"])
    }

    /// One row as a part of one row (``encodeChunk(job:into:rows:)`` combines them).
    public func encode(_ record: GoldenComponentRecord, line: Int, job: JobContext, into writer: inout CopyInWriter) throws {
        var aggregator = ComponentAggregator()
        try aggregator.add(record, line: line, into: &writer)
        try aggregator.flush(into: &writer)
    }

    /// The chunk's rows combined per (CAT, SEL, code) by ``ComponentAggregator``, from their
    /// bytes where they tell: a 1M-row file of 15k components copies about 15k rows instead of
    /// 1M, and maps about as few. Says whether any code was written twice.
    public func encodeChunk(
        job: JobContext, into writer: inout CopyInWriter, rows: ChunkRows<GoldenComponentsMapper>
    ) throws -> ChunkEncoding {
        var aggregator = ComponentAggregator(schedule: .elapsed(job.progressInterval / 2))
        try rows.forEachRecord { record, line in try aggregator.add(record, line: line, from: rows, into: &writer) }
        try aggregator.flush(into: &writer)
        return ChunkEncoding(distinctKeys: aggregator.distinctKeys())
    }

    /// Adds up the parts per (CAT, SEL, code) — first description by line; sums with NULL as 0
    /// once two rows combine, a single row keeps its NULLs — and fans out to every item of
    /// the bucket. Item keys are normalized like the mapper's (`TextCleaning.keyPart`). When
    /// the encoder wrote every code once (`encoding.distinctKeys`), each staging row is its
    /// code's whole sum already and is fanned out as it is.
    public func endChunk(
        _ connection: PostgresConnection, job: JobContext, copiedRows: Int, encoding: ChunkEncoding
    ) throws -> ChunkCounts {
        // Hash joins against the list's items: the planner's estimate for the normalized item
        // keys made it sort both sides for merge joins (a 500k-row chunk of distinct codes:
        // 6.3 s with them, 3.0 s with hash joins, measured alone), for this transaction only.
        try connection.query("SET LOCAL enable_mergejoin = off")
        let components: String
        if encoding.distinctKeys {
            components = "nexus_chunk_component"
        } else {
            // Statistics for the aggregate (temporary tables are never auto-analyzed).
            try connection.query("ANALYZE nexus_chunk_component")
            components = """
                (SELECT cat, sel, component_code,
                        -- The description of the first line: lines are distinct, so the padded
                        -- line decides the min; a plain aggregate (array_agg ORDER BY sorted each
                        -- group on its own: 11 s of a 500k-row chunk, most of its load).
                        (min(ARRAY[lpad(line::text, 10, '0') COLLATE "C", description]))[2] AS description,
                        CASE WHEN sum(rows) = 1 THEN min(quantity) ELSE sum(coalesce(quantity, 0)) END AS quantity,
                        CASE WHEN sum(rows) = 1 THEN min(material) ELSE sum(coalesce(material, 0)) END AS material,
                        CASE WHEN sum(rows) = 1 THEN min(labor) ELSE sum(coalesce(labor, 0)) END AS labor,
                        CASE WHEN sum(rows) = 1 THEN min(equipment) ELSE sum(coalesce(equipment, 0)) END AS equipment
                 FROM nexus_chunk_component
                 GROUP BY cat, sel, component_code)
                """
        }
        let result = try connection.query(
            #"""
            WITH items AS (
                SELECT id,
                       upper(regexp_replace(btrim(coalesce(cat, '')), '\s+', ' ', 'g') COLLATE "C") AS cat_key,
                       upper(regexp_replace(btrim(coalesce(sel, '')), '\s+', ' ', 'g') COLLATE "C") AS sel_key
                FROM price_list_item
                WHERE price_list_id = $1
            ), inserted AS (
                INSERT INTO \#(try ComponentSetStorage(job: job).table)
                    (component_set_id, price_list_id, price_list_item_id, component_code, description, quantity, material,
                     labor, equipment)
                SELECT $2, $1, i.id, a.component_code, a.description, a.quantity, a.material, a.labor, a.equipment
                FROM \#(components) a
                JOIN items i ON i.cat_key = a.cat AND i.sel_key = a.sel
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM inserted),
                   (SELECT coalesce(sum(c.rows), 0) FROM nexus_chunk_component c
                     WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.cat_key = c.cat AND i.sel_key = c.sel))
            """#,
            try job.id("priceListId"), try job.id("componentSetId"))
        let row = result.first!
        return ChunkCounts(writtenRows: try row.require(0, as: Int.self), stats: ["unmatchedRows": try row.require(1, as: Int.self)])
    }

    /// Builds the new set's keys and indexes (``ComponentSetStorage/buildKeys(_:)``), which the
    /// diff and the publish's counts read.
    public func build(_ connection: PostgresConnection, job: JobContext) throws {
        try ComponentSetStorage(job: job).buildKeys(connection)
    }

    /// Attaches the new set's table (``ComponentSetStorage``), then makes it the active set of
    /// its list.
    public func finalize(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        let priceListId = try job.id("priceListId")
        let storage = try ComponentSetStorage(job: job)
        let setId = storage.setId
        // Serializes concurrent publishes on one list (the one-active-set index would
        // otherwise reject the slower one), after the table locks of the attach.
        try ComponentSetStorage.lockTables(connection)
        try connection.query("SELECT id FROM price_list WHERE id = $1 FOR UPDATE", priceListId)
        let (componentCount, itemCount) = try storage.counts(connection)
        var result: [String: JSONValue] = [
            "priceListId": .int(priceListId),
            "itemCount": .int(Int64(itemCount)),
            "componentCount": .int(Int64(componentCount)),
        ]
        if componentCount == 0 {
            // Like the legacy importer, a file that yields no component changes nothing.
            try ComponentSetStorage.drop(connection, sets: [setId])
            try connection.query("DELETE FROM price_list_component_set WHERE id = $1", setId)
            result["componentSetId"] = .null
        } else {
            try storage.attach(connection)
            try connection.query(
                "UPDATE price_list_component_set SET is_active = false WHERE price_list_id = $1 AND is_active AND id <> $2",
                priceListId, setId)
            try connection.query(
                "UPDATE price_list_component_set SET is_active = true, activated_at = now() WHERE id = $1", setId)
            result["componentSetId"] = .int(setId)
        }
        return result
    }
}
