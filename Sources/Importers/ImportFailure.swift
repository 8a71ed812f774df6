public import IngestCore

/// Why an import job failed, in words an operator can act on. Stored as `error_json`.
public struct ImportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ name: String) { description = name }

        /// A required column is missing from the header.
        public static let missingColumn = Code("missingColumn")
        /// The file is not CSV the scanner can split (unterminated quote, huge record, …).
        public static let malformedFile = Code("malformedFile")
        /// More rows were rejected than `max_rejects` / `max_reject_ratio` allow.
        public static let tooManyRejects = Code("tooManyRejects")
        /// Something the import needs in the database is missing (e.g. no active Golden list).
        public static let precondition = Code("precondition")
        /// The file could not be read, or the spool could not be written.
        public static let io = Code("io")
        /// The upload's SHA-256 is not the one its `<file>.sha256` sidecar names (or the
        /// sidecar cannot be read): an incomplete or wrong file; nothing is imported.
        public static let checksumMismatch = Code("checksumMismatch")
        /// A chunk failed permanently (or ran out of retries).
        public static let chunkFailed = Code("chunkFailed")
        /// The publishing step failed.
        public static let finalizeFailed = Code("finalizeFailed")
        /// An operator discarded the job while it waited for approval (`nexus-ingest discard`).
        public static let discarded = Code("discarded")
        /// The database refused or lost a command outside any chunk.
        public static let database = Code("database")
        /// The agent stopped (or crashed) before the job's plan was committed; the file is
        /// planned again by a new job.
        public static let interrupted = Code("interrupted")
        /// A bug: a state the pipeline should never see.
        public static let internalError = Code("internalError")
    }

    public var code: Code
    public var message: String
    /// The physical line of the file the failure is about, when known.
    public var line: Int?
    /// The chunk index, for chunk failures.
    public var chunk: Int?
    /// The PostgreSQL SQLSTATE, for database failures.
    public var sqlState: String?

    public init(code: Code, message: String, line: Int? = nil, chunk: Int? = nil, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.chunk = chunk
        self.sqlState = sqlState
    }

    public var description: String {
        var text = message
        if let line { text += " (line \(line))" }
        return text
    }

    /// The `error_json` document: {code, message, sqlstate, chunk, line}.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["code": .string(code.description), "message": .string(message)]
        members["sqlstate"] = sqlState.map { .string($0) } ?? .null
        members["chunk"] = chunk.map { .int(Int64($0)) } ?? .null
        members["line"] = line.map { .int(Int64($0)) } ?? .null
        return .object(members)
    }
}
