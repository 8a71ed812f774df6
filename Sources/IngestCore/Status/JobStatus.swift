/// The life of an import job (the `import_job.status` values).
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued = "QUEUED"
    case running = "RUNNING"
    case succeeded = "SUCCEEDED"
    case failed = "FAILED"

    /// Whether the job has ended.
    public var isFinal: Bool { self == .succeeded || self == .failed }
}
