public import IngestCore
public import IngestPostgres

/// XACT_RAW: a project's Xactimate estimate export becomes a new estimate version
/// (spec §6, DESIGN §2–§3).
///
/// `prepare` resolves the project and creates the version (`parsing`). The file is read
/// tolerantly (delimiter sniffed among tab, comma, semicolon and pipe; ragged rows and stray
/// quotes accepted; blank records dropped) and loaded in line ranges straight into the
/// version's own raw table with its file line (``EstimateVersionStorage``). `finalize` builds
/// the model set-based (``XactRawModel``): units, particles, logical items, the SOW and its
/// items in file order, attaches the version's raw rows and items, runs the cost-book and
/// Golden syncs, and marks the version `completed` in the
/// transaction that marks the job SUCCEEDED. A failed job leaves its version `failed` (a
/// trigger of migration 2 follows the job) with no SOW, and the previous version current.
public struct XactRawImporter: Importer {
    /// The project (and whether it may be created) the job is planned for.
    public let options: ImportOptions

    public init(options: ImportOptions) { self.options = options }

    public var strategy: String { "XACT_RAW:line-range" }
    public var target: String { options.project ?? "" }
    public var dialect: CSVDialect {
        CSVDialect(
            delimiters: [.tab, .comma, .semicolon, .pipe], relaxedColumnCount: true, relaxedQuotes: true,
            dropsBlankRecords: true)
    }
    public var partitioning: Partitioning { .lineRange }

    public func makeMapper(header: [String]) throws(ImportFailure) -> XactRawMapper {
        try XactRawMapper(header: header)
    }

    /// Resolves the project and creates the estimate version, `parsing`, tied to the job.
    /// The project must exist, or be allowed to be created.
    public func check(_ connection: PostgresConnection) throws {
        try Projects.check(connection, options: options)
    }

    public func prepare(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        let project = try Projects.resolve(connection, options: options)
        let version = try connection.query(
            """
            INSERT INTO estimate_version (project_id, source_type, file_name, stored_path, estimate_kind, sequence_no,
                default_payer_type, status, imported_by, import_job_id)
            VALUES ($1, 'xact_raw_carrier', $2, $3, 'initial', 0, 'carrier', 'parsing', $4, $5)
            RETURNING id
            """, project.id, job.fileName ?? "", job.csvPath ?? "", job.createdBy, job.jobId
        ).first!.require(0, as: Int64.self)
        try EstimateVersionStorage(versionId: version).createRawTable(connection)
        return Projects.facts(project: project, estimateVersion: version)
    }

    /// The raw rows' columns ``encode(_:line:job:into:)`` writes, in order.
    static let copyColumns = [
        "estimate_version_id", "file_line", "line_no",
        "group_code", "group_description", "description", "age", "condition", "qty", "item_amount", "reported_cost",
        "unit_cost", "unit", "coverage", "activity", "workers_wage", "labor_burden", "labor_overhead", "material",
        "equipment", "market_conditions", "labor_minimum", "sales_tax", "rcv", "life", "depreciation_type",
        "depreciation_amount", "recoverable", "acv", "tax", "replace_flag", "cat", "sel", "owner", "original_vendor",
        "source_name", "source_date", "note1", "adj_source",
        "raw_row_json", "signature_hash", "canonical_key_hash",
    ]

    /// Rows go straight into the version's raw table: nothing to aggregate within a chunk.
    public func beginChunk(_ connection: PostgresConnection, job: JobContext) throws -> String {
        try connection.copyStatement(
            table: EstimateVersionStorage(versionId: try job.id("estimateVersionId")).rawTable, columns: Self.copyColumns)
    }

    public func encode(_ record: XactRawRecord, line: Int, job: JobContext, into writer: inout CopyInWriter) throws {
        try writer.writeTextRow(Self.copyFields(record, line: line, versionId: job.facts["estimateVersionId"]?.intValue))
    }

    /// The values of ``copyColumns`` for a mapped row from upload line `line`.
    static func copyFields(_ record: XactRawRecord, line: Int, versionId: Int?) -> [String?] {
        var fields: [String?] = [versionId.map(String.init), String(line), String(record.lineNo)]
        fields.reserveCapacity(copyColumns.count)
        fields += record.values
        fields += [record.rawJSON, record.signatureHash, record.canonicalKeyHash]
        return fields
    }

    /// Every row of the chunk as ``encode(_:line:job:into:)`` writes it: written from its bytes
    /// by ``XactRawCopyRow`` when they tell (nearly every row of a real export), else mapped.
    public func encodeChunk(job: JobContext, into writer: inout CopyInWriter, rows: ChunkRows<XactRawMapper>) throws
        -> ChunkEncoding
    {
        var row = XactRawCopyRow(mapper: rows.mapper, versionId: job.facts["estimateVersionId"]?.intValue)
        try rows.forEachRecord { record, line in
            if row.append(record, firstField: rows.firstField, line: line) {
                try row.bytes.withUnsafeBufferPointer { try writer.write($0) }
            } else {
                try encode(try rows.map(record, line: line), line: line, job: job, into: &writer)
            }
        }
        return ChunkEncoding()
    }

    public func endChunk(
        _ connection: PostgresConnection, job: JobContext, copiedRows: Int, encoding: ChunkEncoding
    ) throws -> ChunkCounts {
        ChunkCounts(writtenRows: copiedRows)
    }

    /// Builds the estimate's model and publishes it (``XactRawModel``).
    /// - Throws: ``ImportFailure/Code/precondition`` when the file had no usable rows.
    public func finalize(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        try Self.requireUsableRows(job)
        return try XactRawModel(connection: connection, job: job).build()
    }

    /// A file without usable rows publishes nothing (checked before the diff too, so that such
    /// a file fails rather than waits for approval).
    static func requireUsableRows(_ job: JobContext) throws(ImportFailure) {
        let dataRows = job.plan["dataRows"] ?? 0
        if dataRows == 0 || dataRows == (job.plan["rejectedRows"] ?? 0) {
            throw ImportFailure(
                code: .precondition,
                message: "XACT_RAW parse produced no usable records (\(dataRows) data row(s), "
                    + "\(job.plan["blankRows"] ?? 0) blank)")
        }
    }
}
