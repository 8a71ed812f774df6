public import IngestCore
public import IngestPostgres

/// XACT_COMPONENTS: an estimate's Xactimate components export (spec §7, DESIGN §2–§3).
///
/// `prepare` resolves the target estimate version (`--estimate-version`, else the
/// project's latest completed version with SOW items). Chunks (line ranges) write one
/// `raw_component_row` and one `component_summary` per record, tied to the job. `finalize`
/// allocates the components to the version's SOW items (``ComponentAllocation``) in the job's
/// own table, attaches it (``AllocationStorage``) and makes
/// this job's rows the version's current component set (`components_import_job_id`) in
/// the transaction that marks the job SUCCEEDED; until then, and whenever the job fails,
/// the previous set stays current.
public struct XactComponentsImporter: Importer {
    /// The project and, optionally, the estimate version the job targets.
    public let options: ImportOptions

    public init(options: ImportOptions) { self.options = options }

    public var strategy: String { "XACT_COMPONENTS:line-range" }
    public var target: String { options.project ?? "" }
    public var partitioning: Partitioning { .lineRange }

    public func makeMapper(header: [String]) throws(ImportFailure) -> XactComponentsMapper {
        try XactComponentsMapper(header: header)
    }

    /// Resolves the project and the estimate version (spec §7.2 step 2, completed versions only),
    /// and creates the table the job's allocation will be written into (``AllocationStorage``).
    /// - Throws: ``ImportFailure/Code/precondition`` when the project or a usable version is missing.
    public func prepare(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        let (project, version) = try target(connection)
        try AllocationStorage.create(connection, job: job.jobId)
        return Projects.facts(project: project, estimateVersion: version)
    }

    /// The project and a usable estimate version must exist.
    public func check(_ connection: PostgresConnection) throws {
        _ = try target(connection)
    }

    /// The project and the estimate version the components attach to (read only).
    private func target(_ connection: PostgresConnection) throws -> (ProjectRef, Int64) {
        let project = try Projects.existing(connection, options: options)
        let version: Int64
        if let requested = options.estimateVersion {
            guard let row = try connection.query(
                "SELECT project_id, status FROM estimate_version WHERE id = $1", requested
            ).first else {
                throw ImportFailure(code: .precondition, message: "estimate version \(requested) does not exist")
            }
            guard try row.require(0, as: Int64.self) == project.id else {
                throw ImportFailure(
                    code: .precondition, message: "estimate version \(requested) does not belong to project '\(project.code)'")
            }
            let status = try row.require(1, as: String.self)
            guard status == "completed" else {
                throw ImportFailure(
                    code: .precondition,
                    message: "estimate version \(requested) is '\(status)', not completed: components need its SOW items")
            }
            version = requested
        } else {
            // The SOW item test is a lookup per version (`OFFSET 0` keeps the planner from
            // turning it into a semi join, which scanned every version's SOW items with two
            // parallel workers): 7–9 ms -> 0.25 ms over a 300k-item version, asked twice while
            // a components file is planned (24 MB: about 100 ms in all).
            guard let row = try connection.query(
                """
                SELECT v.id FROM estimate_version v
                WHERE v.project_id = $1 AND v.status = 'completed' AND v.withdrawn_at IS NULL
                  AND EXISTS (SELECT 1 FROM sow_item i JOIN sow s ON s.id = i.sow_id AND s.estimate_version_id = i.estimate_version_id
                              WHERE i.estimate_version_id = v.id OFFSET 0)
                ORDER BY v.sequence_no DESC, v.imported_at DESC NULLS LAST, v.created_at DESC, v.id DESC
                LIMIT 1
                """, project.id
            ).first else {
                throw ImportFailure(
                    code: .precondition,
                    message: "No estimate version found for project '\(project.code)'. Import Xactimate raw line items first.")
            }
            version = try row.require(0, as: Int64.self)
        }
        return (project, version)
    }

    /// The staging table's columns, in ``encode(_:line:job:into:)`` order.
    static let stagingColumns = [
        "line", "code", "description", "tax_status", "contractor_supplied_raw", "quantity_raw", "unit_raw",
        "unit_price_raw", "total_raw", "request_third_party_pricing_raw", "raw_row_json",
        "s_code", "s_description", "s_tax_status", "s_contractor_supplied", "s_quantity", "s_unit", "s_unit_price",
        "s_total", "s_request_third_party_pricing",
    ]

    public func beginChunk(_ connection: PostgresConnection, job: JobContext) throws -> String {
        try connection.executeScript(
            """
            CREATE TEMP TABLE nexus_chunk_component (
                line integer NOT NULL,
                code text, description text, tax_status text, contractor_supplied_raw text, quantity_raw text,
                unit_raw text, unit_price_raw text, total_raw text, request_third_party_pricing_raw text,
                raw_row_json text NOT NULL,
                s_code text NOT NULL, s_description text, s_tax_status text, s_contractor_supplied boolean,
                s_quantity numeric, s_unit text, s_unit_price numeric, s_total numeric,
                s_request_third_party_pricing boolean
            ) ON COMMIT DROP
            """)
        return try connection.copyStatement(table: "nexus_chunk_component", columns: Self.stagingColumns)
    }

    public func encode(_ record: XactComponentRecord, line: Int, job: JobContext, into writer: inout CopyInWriter) throws {
        try writer.writeTextRow([String(line)] + record.raw + [record.rawJSON] + record.summary)
    }

    /// One raw row and one summary per staged record, tied to the job.
    public func endChunk(
        _ connection: PostgresConnection, job: JobContext, copiedRows: Int, encoding: ChunkEncoding
    ) throws -> ChunkCounts {
        let version = try job.id("estimateVersionId")
        let project = try job.id("projectId")
        let raw = try connection.query(
            """
            INSERT INTO raw_component_row (estimate_version_id, import_job_id, line_no, code, description, tax_status,
                contractor_supplied_raw, quantity_raw, unit_raw, unit_price_raw, total_raw,
                request_third_party_pricing_raw, raw_row_json)
            SELECT $1, $2, line, code, description, tax_status, contractor_supplied_raw, quantity_raw, unit_raw,
                   unit_price_raw, total_raw, request_third_party_pricing_raw, raw_row_json::jsonb
            FROM nexus_chunk_component
            """, version, job.jobId
        ).affectedRows
        let summaries = try connection.query(
            """
            INSERT INTO component_summary (project_id, estimate_version_id, import_job_id, line_no, code, description,
                tax_status, contractor_supplied, quantity, unit, unit_price, total, request_third_party_pricing)
            SELECT $3, $1, $2, line, s_code, s_description, s_tax_status, s_contractor_supplied, s_quantity, s_unit,
                   s_unit_price, s_total, s_request_third_party_pricing
            FROM nexus_chunk_component
            """, version, job.jobId, project
        ).affectedRows
        return ChunkCounts(writtenRows: raw + summaries, stats: ["rawCount": raw, "summaryCount": summaries])
    }

    /// Allocates this job's components and makes them the version's current set.
    /// - Throws: ``ImportFailure/Code/precondition`` when the version is no longer completed.
    public func finalize(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        let version = try job.id("estimateVersionId")
        let project = try job.id("projectId")
        guard let status = try connection.query(
            // Not FOR UPDATE: the key checks of component summaries other jobs are loading for
            // this version (FOR KEY SHARE) must not wait for this publish, which waits for them
            // before it attaches its allocation.
            "SELECT status FROM estimate_version WHERE id = $1 FOR NO KEY UPDATE", version
        ).first?.require(0, as: String.self), status == "completed" else {
            throw ImportFailure(
                code: .precondition, message: "estimate version \(version) is gone or no longer completed; nothing was published")
        }
        let allocation = try ComponentAllocation(connection: connection).allocate(
            version: version, project: project, job: job.jobId)
        try connection.query(
            "UPDATE estimate_version SET components_import_job_id = $2, updated_at = now() WHERE id = $1", version, job.jobId)
        let counts = try connection.query(
            """
            SELECT (SELECT count(*) FROM raw_component_row WHERE import_job_id = $1),
                   (SELECT count(*) FROM component_summary WHERE import_job_id = $1)
            """, job.jobId
        ).first!
        return [
            "phase": "ingestion+allocation",
            "projectId": .int(project),
            "projectCode": job.facts["projectCode"] ?? .null,
            "estimateVersionId": .int(version),
            "components": [
                "estimateVersionId": .int(version), "projectId": .int(project),
                "rawCount": .int(try counts.require(0, as: Int64.self)),
                "summaryCount": .int(try counts.require(1, as: Int64.self)),
            ],
            "allocation": allocation,
        ]
    }
}
