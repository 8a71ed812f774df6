public import IngestCore
public import IngestPostgres

/// PRICE_LIST: a new revision of the Golden price list from a Xactimate price-list export
/// (spec §4, DESIGN §2–§3), in `merge` (default) or `replace` mode.
///
/// `prepare` creates the revision (max Golden revision + 1), **inactive**, and notes the
/// latest published revision as the previous one. Rows are partitioned by canonical key
/// hash, so every row of one price meets in one chunk: the chunk's encoder keeps the last row
/// by file line and drops Delete-marked rows (merge), copying the winners straight into the
/// revision's build table (``RevisionStorage``), and counts. `finalize` stamps each item's
/// `last_known_unit_price` from the previous revision and its division from `cat_division`,
/// carries forward the previous items the file did not touch (merge), numbers the lines,
/// then deactivates the old revision and activates the new one in the transaction that marks
/// the job SUCCEEDED: readers of `golden_price_list_item_current` switch at once, and a failed
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

    public func beginChunk(_ connection: PostgresConnection, job: JobContext) throws -> String {
        let storage = RevisionStorage(listId: try job.id("priceListId"))
        return try connection.copyStatement(table: storage.buildTable, columns: RevisionStorage.chunkColumns)
    }

    /// Writes `record` as a build table row (``RevisionStorage/chunkColumns``), no row of the
    /// file marking its key.
    public func encode(_ record: GoldenPETLRecord, line: Int, job: JobContext, into writer: inout CopyInWriter) throws {
        try Self.write(record, line: line, marks: 0, listId: String(try job.id("priceListId")), into: &writer)
    }

    /// Writes `record` as a build table row of revision `listId` whose key `marks` rows of the
    /// file Delete-marked.
    private static func write(
        _ record: GoldenPETLRecord, line: Int, marks: Int, listId: String, into writer: inout CopyInWriter
    ) throws {
        try writer.writeTextRow(copyFields(record, line: line, marks: marks, listId: listId))
    }

    /// The build table row of `record` (``RevisionStorage/chunkColumns``), as text.
    static func copyFields(_ record: GoldenPETLRecord, line: Int, marks: Int, listId: String) -> [String?] {
        [
            listId, String(line), record.groupCode, record.groupDescription, record.description, record.cat, record.sel,
            record.unit, record.unitPrice, record.coverage, record.activity, record.owner, record.sourceVendor,
            record.sourceDate?.description, record.rawJSON, record.canonicalKeyHash, String(marks),
        ]
    }

    /// Writes the tombstone of the key `hash`, whose last Delete mark is on `line`: only
    /// `line_no` (negated), the key (the last of ``RevisionStorage/loadedColumns``) and the marks.
    private static func writeTombstone(
        hash: String, line: Int, marks: Int, listId: String, into writer: inout CopyInWriter
    ) throws {
        let unset = [String?](repeating: nil, count: RevisionStorage.loadedColumns.count - 2)
        try writer.writeTextRow([listId, String(-line)] + unset + [hash, String(marks)])
    }

    /// Writes the chunk's winning rows and tombstones straight into the revision's build table
    /// (``ChunkWinners``): a first pass over the chunk file finds each canonical key's winner
    /// from the rows' bytes, the second writes the winners (from their bytes where they tell,
    /// ``GoldenPETLCopyRow``, else mapped) and the tombstones.
    /// A staging table and a statement that picked the winners from it took 2.4 s more of
    /// each of the two chunks of a 500k-row file (2026-12-07: `COPY` 2.1 s, `ANALYZE` 0.26 s,
    /// statement 3.9 s, against 2.7–3.1 s for the same rows copied into the build table).
    public func encodeChunk(
        job: JobContext, into writer: inout CopyInWriter, rows: ChunkRows<GoldenPETLMapper>
    ) throws -> GoldenPETLChunkEncoding {
        let merge = try Self.mode(of: job) == .merge
        let listId = String(try job.id("priceListId"))
        var winners = ChunkWinners()
        try rows.forEachRecord { record, line in
            guard let key = rows.mapper.key(record, firstField: rows.firstField) else {
                throw ImportFailure(code: .chunkFailed, message: "a planned row no longer maps", line: line, chunk: rows.chunk)
            }
            winners.note(key, deleted: merge && rows.mapper.isDeleteMarked(record, firstField: rows.firstField))
        }
        let decision = winners.decide()
        var encoding = GoldenPETLChunkEncoding(duplicates: decision.duplicates)
        var ordinal = 0
        var nextMarked = 0
        var copyRow = GoldenPETLCopyRow(mapper: rows.mapper, listId: listId)
        try rows.forEachRecord { record, line in
            defer { ordinal += 1 }
            let winner = decision.winners.contains(ordinal)
            guard winner || decision.tombstones.contains(ordinal) else {
                // Overridden or Delete-marked: only its Date counts.
                encoding.note(try copyRow.date(of: record, firstField: rows.firstField) ?? rows.map(record, line: line).sourceDate)
                return
            }
            var marks = 0
            if nextMarked < decision.deletes.count, decision.deletes[nextMarked].ordinal == ordinal {
                marks = Int(decision.deletes[nextMarked].rows)
                nextMarked += 1
            }
            encoding.lines.append(line)
            if winner, let date = copyRow.append(record, firstField: rows.firstField, line: line, marks: marks) {
                encoding.note(date)
                try copyRow.bytes.withUnsafeBufferPointer { try writer.write($0) }
                return
            }
            let row = try rows.map(record, line: line)
            encoding.note(row.sourceDate)
            if winner {
                try Self.write(row, line: line, marks: marks, listId: listId, into: &writer)
            } else {
                try Self.writeTombstone(hash: row.canonicalKeyHash, line: line, marks: marks, listId: listId, into: &writer)
                encoding.tombstones += 1
            }
        }
        return encoding
    }

    /// Notes the chunk's latest `Date` on the revision, and counts (merge mode, spec §4.3)
    /// the rows a later row of the same key overrode (`duplicateCount`). ``finalize(_:job:)``
    /// counts the rest against the previous revision, once for all chunks.
    public func endChunk(
        _ connection: PostgresConnection, job: JobContext, copiedRows: Int, encoding: GoldenPETLChunkEncoding
    ) throws -> ChunkCounts {
        // The latest Date of the file becomes the revision's effective date; kept on the
        // (still inactive) revision row so that finalize sees the maximum over all chunks.
        // Last in the chunk, so the row lock is held only until the chunk commits.
        if let latestDate = encoding.latestDate {
            try connection.query(
                "UPDATE price_list SET effective_date = greatest(effective_date, $2::date) WHERE id = $1",
                try job.id("priceListId"), latestDate.description)
        }
        let written = copiedRows - encoding.tombstones
        guard try Self.mode(of: job) == .merge else { return ChunkCounts(writtenRows: written) }
        return ChunkCounts(writtenRows: written, stats: ["duplicateCount": encoding.duplicates])
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
        let written = try RevisionStorage(listId: priceListId).publish(connection, previous: previousId, carryForward: mode == .merge)
        let itemCount = written.items
        // (Chunks loaded before the upgrade that stopped them counting the marks themselves
        // did, into `deletedCount`.)
        let marked = mode == .merge ? written.marked + (job.chunkStats["deletedCount"] ?? 0) : 0

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

        var result: [String: JSONValue] = [
            "priceListId": .int(priceListId),
            "revision": .int(try published.require(0, as: Int64.self)),
            "itemCount": .int(Int64(itemCount)),
            "mode": .string(mode.rawValue),
            "mergeStats": .null,
        ]
        if mode == .merge {
            // The items the file supplies are updated or added; the rest of the revision was
            // carried forward. The chunks counted the duplicates (their sum is a member of the
            // job's result too; so are these, as when the chunks counted them).
            let updated: JSONValue = .int(Int64(written.updated)), added: JSONValue = .int(Int64(written.added))
            let deleted: JSONValue = .int(Int64(marked))
            result["mergeStats"] = [
                "updatedCount": updated, "addedCount": added, "deletedCount": deleted,
                "duplicateCount": .int(Int64(job.chunkStats["duplicateCount"] ?? 0)),
                "unchangedCount": .int(Int64(itemCount - written.updated - written.added)),
            ]
            result["updatedCount"] = updated
            result["addedCount"] = added
            result["deletedCount"] = deleted
        }
        return result
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
