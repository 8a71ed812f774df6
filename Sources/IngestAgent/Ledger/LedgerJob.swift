import Importers
import IngestCore
import IngestPostgres

/// One `import_job` row as the pipeline's steps need it (``JobLedger/job(_:forUpdate:)``).
struct LedgerJob {
    var id: Int64
    /// The stored type name (`import_job.type`).
    var typeName: String
    var status: JobStatus?
    var meta: JSONValue
    var result: [String: JSONValue]
    var rejects: Int64
    /// Nil until the plan is recorded.
    var totalChunks: Int?
    var allChunksDone: Bool
    var csvPath: String?
    var fileName: String?
    var fileSize: Int64?
    var sha256: String?
    var createdBy: String?
    var companyId: Int64?
    /// The process that planned it, or adopted it after its owner was gone (``ClaimOwner``).
    var owner: String?
    /// The registered process (``AgentRegistry``) that owns it; nil for a job of a version
    /// before the registry.
    var agentId: Int64?
    /// `gc` (or a discard) removed its partial data: it can no longer be retried.
    var collected: Bool

    /// The `import_job` columns ``init(row:)`` reads, in its order.
    static let columns = """
        id, type, status, meta_json::text, result_json::text, rejects_count, total_chunks,
        completed_chunks = total_chunks, csv_path, file_name, file_size, file_sha256, created_by, company_id,
        owner, collected_at IS NOT NULL, agent_id
        """

    /// A row that starts with ``columns``.
    init(row: PostgresRow) throws {
        id = try row.require(0)
        typeName = try row.require(1)
        status = row[2].flatMap(JobStatus.init(rawValue:))
        meta = JSONText.decode(row[3]) ?? .null
        if case .object(let members)? = JSONText.decode(row[4]) { result = members } else { result = [:] }
        rejects = try row.require(5)
        totalChunks = try row.decode(6)
        allChunksDone = try row.decode(7, as: Bool.self) ?? false
        csvPath = row[8]
        fileName = row[9]
        fileSize = try row.decode(10)
        sha256 = row[11]
        createdBy = row[12]
        companyId = try row.decode(13)
        owner = row[14]
        collected = try row.decode(15, as: Bool.self) ?? false
        agentId = try row.decode(16)
    }

    /// The options the job was submitted with.
    var options: ImportOptions { ImportOptions(json: meta["options"]) }

    /// Held for approval (`nexus-ingest publish|discard`).
    var isHeld: Bool { result["waiting"] != nil }

    /// The importer of this job's type.
    /// - Throws: ``ImportFailure`` when this nexus-ingest does not know the type.
    func importer(_ importers: ImporterRegistry) throws(ImportFailure) -> any Importer {
        try importers.importer(rawValue: typeName, options: options)
    }

    /// What the importer's steps are told about the job; `chunkStats` for finalize.
    func context(chunkStats: [String: Int] = [:]) -> JobContext {
        var facts: [String: JSONValue] = [:]
        if case .object(let members)? = meta["importer"] { facts = members }
        var plan: [String: Int] = [:]
        if case .object(let members)? = meta["plan"] { plan = members.compactMapValues(\.intValue) }
        var header: [String] = []
        if case .array(let names)? = meta["header"] { header = names.compactMap(\.stringValue) }
        return JobContext(
            jobId: id, facts: facts, plan: plan, header: header,
            delimiter: meta["delimiter"]?.stringValue.flatMap(CSVDelimiter.init(name:)) ?? .comma, createdBy: createdBy,
            csvPath: csvPath, fileName: fileName, fileSize: fileSize, companyId: companyId ?? facts["companyId"]?.intValue.map(Int64.init),
            chunkCount: totalChunks ?? 0, chunkStats: chunkStats)
    }
}
