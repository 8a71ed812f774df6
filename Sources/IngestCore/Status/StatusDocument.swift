/// The `<upload>.status.json` file (DESIGN §1.6), schema `Config/status.schema.json`.
///
/// Other tools read it; it is replaced atomically on every change, so a reader sees either
/// the previous or the next version, never a torn one.
public struct StatusDocument: Sendable, Equatable, Codable {
    /// The rejects report.
    public struct Rejects: Sendable, Equatable, Codable {
        /// Rows rejected.
        public var count: Int
        /// The rejects file name (next to the upload), nil when no row was rejected.
        public var file: String?

        public init(count: Int, file: String?) {
            self.count = count
            self.file = file
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(count, forKey: .count)
            try c.encode(file, forKey: .file)
        }
    }

    /// The data rows of the plan and how many are loaded (while chunks load, too).
    public struct Rows: Sendable, Equatable, Codable {
        /// Rows loaded so far, including those a chunk's COPY has sent but not yet committed.
        public var loaded: Int
        /// Data rows the plan holds (rejected rows not counted).
        public var total: Int

        public init(loaded: Int, total: Int) {
            self.loaded = loaded
            self.total = total
        }
    }

    /// The version of this document's layout (2: `rows`; 3: `waiting`, and `result.diff`,
    /// `result.dryRun`).
    public static let currentSchemaVersion = 3

    public var schemaVersion: Int = StatusDocument.currentSchemaVersion
    public var jobId: String
    public var file: String
    public var size: Int64
    public var sha256: String?
    public var type: String
    public var status: JobStatus
    public var progress: Int
    public var totalChunks: Int?
    public var completedChunks: Int?
    public var message: String?
    public var createdAt: String
    public var startedAt: String?
    public var updatedAt: String
    public var finishedAt: String?
    public var result: JSONValue?
    public var error: JSONValue?
    public var rejects: Rejects
    public var duplicateOf: String?
    public var rows: Rows?
    /// What a RUNNING job whose data is loaded waits for before it publishes (a guard, or a
    /// manual route) and the commands that end the wait; nil otherwise.
    public var waiting: JSONValue?

    /// Creates a document.
    public init(
        jobId: String, file: String, size: Int64, sha256: String?, type: String, status: JobStatus, progress: Int,
        totalChunks: Int?, completedChunks: Int?, message: String?, createdAt: String, startedAt: String?,
        updatedAt: String, finishedAt: String?, result: JSONValue?, error: JSONValue?, rejects: Rejects,
        duplicateOf: String? = nil, rows: Rows? = nil, waiting: JSONValue? = nil
    ) {
        self.jobId = jobId
        self.file = file
        self.size = size
        self.sha256 = sha256
        self.type = type
        self.status = status
        self.progress = progress
        self.totalChunks = totalChunks
        self.completedChunks = completedChunks
        self.message = message
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.result = result
        self.error = error
        self.rejects = rejects
        self.duplicateOf = duplicateOf
        self.rows = rows
        self.waiting = waiting
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, jobId, file, size, sha256, type, status, progress, totalChunks, completedChunks, message,
            createdAt, startedAt, updatedAt, finishedAt, result, error, rejects, duplicateOf, rows, waiting
    }

    /// Every key is always written (null when unknown), so readers need no optional keys.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(jobId, forKey: .jobId)
        try c.encode(file, forKey: .file)
        try c.encode(size, forKey: .size)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(type, forKey: .type)
        try c.encode(status, forKey: .status)
        try c.encode(progress, forKey: .progress)
        try c.encode(totalChunks, forKey: .totalChunks)
        try c.encode(completedChunks, forKey: .completedChunks)
        try c.encode(message, forKey: .message)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(result, forKey: .result)
        try c.encode(error, forKey: .error)
        try c.encode(rejects, forKey: .rejects)
        try c.encode(duplicateOf, forKey: .duplicateOf)
        try c.encode(rows, forKey: .rows)
        try c.encode(waiting, forKey: .waiting)
    }
}
