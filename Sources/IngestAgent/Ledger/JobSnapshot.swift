public import IngestCore

/// One `import_job` row, as the CLI, status files and workers read it.
public struct JobSnapshot: Sendable, Equatable {
    /// Data rows of the plan, and how many of them are loaded.
    public struct Rows: Sendable, Equatable {
        public var loaded: Int
        public var total: Int

        public init(loaded: Int, total: Int) {
            self.loaded = loaded
            self.total = total
        }
    }

    public var id: Int64
    public var type: String
    public var status: JobStatus
    public var progress: Int
    public var message: String?
    public var csvPath: String?
    public var fileName: String?
    public var fileSize: Int64?
    public var sha256: String?
    public var totalChunks: Int?
    public var completedChunks: Int?
    public var rejectsCount: Int
    public var meta: JSONValue?
    public var result: JSONValue?
    public var error: JSONValue?
    /// Timestamps in RFC 3339, UTC.
    public var createdAt: String
    public var startedAt: String?
    public var updatedAt: String
    public var finishedAt: String?
    /// The earlier job whose identical content made this one a duplicate.
    public var duplicateOf: Int64?
    /// Rows loaded of the plan's rows; nil before the plan, and in job lists.
    public var rows: Rows?

    /// What the job waits for before it publishes (RUNNING jobs held by a guard or a manual
    /// route), from `result_json.waiting`.
    public var waiting: JSONValue? { status == .running ? result?["waiting"] : nil }

    /// The rejects file next to the upload.
    public var rejectsPath: String? { csvPath.map { $0 + ".rejects.csv" } }
    /// The status file next to the upload.
    public var statusPath: String? { csvPath.map { $0 + ".status.json" } }

    /// The status file's content.
    public var statusDocument: StatusDocument {
        let rejectsFile = rejectsCount > 0 ? rejectsPath.map { String($0.split(separator: "/").last!) } : nil
        return StatusDocument(
            jobId: String(id), file: fileName ?? "", size: fileSize ?? 0, sha256: sha256, type: type,
            status: status, progress: progress, totalChunks: totalChunks, completedChunks: completedChunks,
            message: message, createdAt: createdAt, startedAt: startedAt, updatedAt: updatedAt, finishedAt: finishedAt,
            result: result, error: error, rejects: StatusDocument.Rejects(count: rejectsCount, file: rejectsFile),
            duplicateOf: duplicateOf.map { String($0) },
            rows: rows.map { StatusDocument.Rows(loaded: $0.loaded, total: $0.total) }, waiting: waiting)
    }
}
